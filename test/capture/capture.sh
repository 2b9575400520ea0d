#!/usr/bin/env bash
# Capture real BGP sessions between BIRD, FRR and GoBGP running in network
# namespaces, and turn the packet captures into golden fixtures for the wire
# codec (bgp/wire/fixtures/captured/<name>.json).
#
#   test/capture/capture.sh [all | SESSION...]
#
# Sessions: bird-frr, bird-gobgp, bird-as2-frr, frr-frr-extmsg (see README.md).
# Needs root, Debian packages bird2 frr gobgpd tcpdump (installed with
# apt-get when missing), and node_modules (npx tsx).
#
# Network rule: only namespaces created here (all named cap-*), underlay
# 198.18.0.0/15 and 2001:db8::/32, routes from 100.64.0.0/10, 2001:db8::/32
# and fd00::/8, never a default route. Every namespace and process created here is torn
# down on exit, including on failure (trap), by PID and by name of our own
# namespaces only.
#
# Environment:
#   CAP_OUT=DIR      where fixtures go (default bgp/wire/fixtures/captured)
#   CAP_WORK=DIR     scratch dir for configs, logs, pcaps (default: mktemp)
#   CAP_KEEP=1       keep the scratch dir (pcaps, daemon logs) after the run
set -Eeuo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
OUT=${CAP_OUT:-$ROOT/bgp/wire/fixtures/captured}
WORK=${CAP_WORK:-$(mktemp -d /tmp/bgp-capture.XXXXXX)}
KEEP=${CAP_KEEP:-0}
TODAY=$(date -u +%F)

PIDS=()   # processes started by this script, in start order
NSS=()    # namespaces created by this script

log() { printf '[capture %s] %s\n' "$(date +%T)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# ---------------------------------------------------------------- teardown --

stop_pid() { # stop_pid PID [SIGNAL]: signal, wait up to 5 s, then SIGKILL
  local pid=$1 sig=${2:-TERM} i
  kill -0 "$pid" 2>/dev/null || return 0
  kill "-$sig" "$pid" 2>/dev/null || true
  for i in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  wait "$pid" 2>/dev/null || true
}

teardown() { # stop every process and delete every namespace we created
  local i ns pid
  for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do stop_pid "${PIDS[i]}"; done
  PIDS=()
  for ns in "${NSS[@]}"; do
    # anything still running inside one of OUR namespaces was started by us
    for pid in $(ip netns pids "$ns" 2>/dev/null); do stop_pid "$pid"; done
    ip netns del "$ns" 2>/dev/null || true
  done
  NSS=()
}

on_exit() {
  local rc=$?
  teardown
  if [[ $KEEP == 1 || $rc != 0 ]]; then
    log "scratch dir kept: $WORK"
  else
    rm -rf "$WORK"
  fi
  exit $rc
}
trap on_exit EXIT
trap 'exit 130' INT TERM
trap 'log "failed at line $LINENO: $BASH_COMMAND"' ERR

# ------------------------------------------------------------------ helpers --

need_packages() {
  local missing=()
  command -v bird >/dev/null || missing+=(bird2)
  [[ -x /usr/lib/frr/bgpd ]] || missing+=(frr)
  command -v gobgpd >/dev/null || missing+=(gobgpd)
  command -v tcpdump >/dev/null || missing+=(tcpdump)
  if ((${#missing[@]})); then
    log "installing ${missing[*]}"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  fi
  [[ -d $ROOT/node_modules/tsx ]] || die "node_modules missing (run npm ci)"
}

versions() {
  BIRD_V=$(bird --version 2>&1 | awk '{print $3}')
  FRR_V=$(/usr/lib/frr/bgpd --version 2>&1 | awk '/version/ {print $3; exit}')
  GOBGP_V=$(gobgpd --version 2>&1 | awk '{print $3}')
  TCPDUMP_V=$(tcpdump --version 2>&1 | awk '/tcpdump version/ {print $3}')
}

ns_add() { # ns_add NAME: fresh namespace with lo up
  local ns=$1 pid
  if ip netns list | awk '{print $1}' | grep -qx "$ns"; then
    # left over from an interrupted run of this script
    for pid in $(ip netns pids "$ns" 2>/dev/null); do stop_pid "$pid"; done
    ip netns del "$ns"
  fi
  ip netns add "$ns"
  NSS+=("$ns")
  ip -n "$ns" link set lo up
  # keep IPv6 addresses usable at once (no DAD wait)
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
  ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.forwarding=1 net.ipv4.ip_forward=1
}

link() { # link NS_A IF_A NS_B IF_B N: veth pair between two namespaces
  local a=$1 ia=$2 b=$3 ib=$4 n=$5
  # fixed MACs 02:00:00:00:N:01/02, so the IPv6 link-local next hops in the
  # fixtures are the same on every run
  ip link add "$ia" address "02:00:00:00:$n:01" netns "$a" type veth \
    peer name "$ib" address "02:00:00:00:$n:02" netns "$b"
  ip -n "$a" link set "$ia" up
  ip -n "$b" link set "$ib" up
}

addr() { ip -n "$1" addr add "$3" dev "$2" nodad 2>/dev/null || ip -n "$1" addr add "$3" dev "$2"; }

bg() { # bg NS LOGFILE CMD...: run CMD in NS in the background, remember its PID
  local ns=$1 logf=$2; shift 2
  ip netns exec "$ns" "$@" >"$logf" 2>&1 &
  PIDS+=($!)
  LAST_PID=$!
}

wait_for() { # wait_for SECONDS DESCRIPTION CMD...: poll CMD until it succeeds
  local secs=$1 what=$2 i; shift 2
  for ((i = 0; i < secs * 4; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.25
  done
  die "timed out after ${secs}s waiting for: $what"
}

capture_start() { # capture_start NS IFACE PCAP
  local ns=$1 ifc=$2 pcap=$3
  bg "$ns" "$pcap.log" tcpdump -i "$ifc" -s 0 -U -n -Z root -w "$pcap" 'tcp port 179'
  CAP_PID=$LAST_PID
  wait_for 10 "tcpdump on $ns/$ifc" grep -q 'listening on' "$pcap.log"
}

capture_stop() { stop_pid "$CAP_PID" INT; }

# BIRD: bird_start NS NAME CONF -> control socket $WORK/NAME/bird.ctl
bird_start() {
  local ns=$1 name=$2 conf=$3 d=$WORK/$2
  mkdir -p "$d"
  bird -p -c "$conf" || die "bird config $conf invalid"
  bg "$ns" "$d/bird.out" bird -f -c "$conf" -s "$d/bird.ctl" -P "$d/bird.pid"
  wait_for 10 "bird $name control socket" test -S "$d/bird.ctl"
}
birdc_() { local ns=$1 name=$2; shift 2; ip netns exec "$ns" birdc -s "$WORK/$name/bird.ctl" "$@"; }
bird_established() { birdc_ "$1" "$2" show protocols "$3" | grep -q Established; }

# FRR: frr_start NS NAME (configs in $WORK/NAME/{zebra,bgpd}.conf)
frr_start() {
  local ns=$1 name=$2 d=$WORK/$2
  mkdir -p "$d"
  chown -R frr:frr "$d"
  chmod 0755 "$d"
  bg "$ns" "$d/zebra.out" /usr/lib/frr/zebra -u frr -g frr -f "$d/zebra.conf" -i "$d/zebra.pid" \
    -z "$d/zserv.api" --vty_socket "$d" -P 0 --log "file:$d/zebra.log"
  wait_for 15 "zebra $name" test -S "$d/zserv.api"
  bgpd_start "$ns" "$name" "$d/bgpd.conf"
}
bgpd_start() { # bgpd_start NS NAME CONF: (re)start bgpd alone, zebra running
  local ns=$1 name=$2 conf=$3 d=$WORK/$2
  chown frr:frr "$conf"
  rm -f "$d/bgpd.vty"
  bg "$ns" "$d/bgpd.out" /usr/lib/frr/bgpd -u frr -g frr -f "$conf" -i "$d/bgpd.pid" \
    -z "$d/zserv.api" --vty_socket "$d" -P 0 --log "file:$d/bgpd.log"
  BGPD_PID[$name]=$LAST_PID
  wait_for 15 "bgpd $name" test -S "$d/bgpd.vty"
}
declare -A BGPD_PID=()
bgpd_stop() { # bgpd_stop NAME: stop the bgpd started by bgpd_start and forget its PID
  local pid=${BGPD_PID[$1]} i
  stop_pid "$pid"
  for i in "${!PIDS[@]}"; do [[ ${PIDS[i]} == "$pid" ]] && unset 'PIDS[i]'; done
  PIDS=("${PIDS[@]}")
  unset 'BGPD_PID[$1]'
}
vtysh_() { # vtysh_ NS NAME COMMAND...
  local ns=$1 name=$2 args=() c; shift 2
  for c in "$@"; do args+=(-c "$c"); done
  ip netns exec "$ns" vtysh --vty_socket "$WORK/$name" "${args[@]}"
}
frr_established() { vtysh_ "$1" "$2" "show bgp neighbors $3 json" | grep -q '"bgpState":"Established"'; }
frr_pfx_rcvd() { # frr_pfx_rcvd NS NAME PEER AFI N: at least N prefixes accepted in AFI (ipv4|ipv6)
  local n
  n=$(vtysh_ "$1" "$2" "show bgp $4 unicast summary json" |
    node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const j=JSON.parse(s);const p=(j.peers||{})[process.argv[1]];console.log(p?p.pfxRcd??0:0)})' "$3")
  ((n >= $5))
}

# GoBGP: gobgp_start NS NAME CONF -> gRPC API on 127.0.0.1:50051 inside NS
gobgp_start() {
  local ns=$1 name=$2 conf=$3 d=$WORK/$2
  mkdir -p "$d"
  # own UTS namespace: GoBGP advertises the host name (FQDN capability), so
  # give it a fixed one instead of this machine's (unshare and sh exec, the
  # PID stays gobgpd's)
  bg "$ns" "$d/gobgpd.log" unshare --uts sh -c \
    'hostname "$0" && exec gobgpd -f "$1" -p -l debug --api-hosts 127.0.0.1:50051 --pprof-disable' "$name" "$conf"
  wait_for 15 "gobgpd $name API" ip netns exec "$ns" gobgp global
}
gobgp_() { local ns=$1; shift; ip netns exec "$ns" gobgp "$@"; }
gobgp_established() { gobgp_ "$1" neighbor "$2" | grep -q 'BGP state = established'; }

to_fixture() { # to_fixture PCAP NAME CAPTURED PEER=name...
  local pcap=$1 name=$2 captured=$3; shift 3
  local args=() p
  for p in "$@"; do args+=(--peer "$p"); done
  mkdir -p "$OUT"
  (cd "$ROOT" && npx --no-install tsx test/capture/pcap-to-fixture.ts --pcap "$pcap" --name "$name" \
    --captured "$captured" "${args[@]}" --out "$OUT/$name.json")
}

settle() { sleep "${1:-2}"; }

# ------------------------------------------------------------ session 1 -----
# bird-frr: eBGP, BIRD AS4200000001 198.18.10.1 <-> FRR AS65002 198.18.10.2 on
# one veth segment (also 2001:db8:10::1/::2), IPv4 + IPv6 unicast on the IPv4
# session, GR + LLGR, enhanced route refresh, extended messages, BGP roles.
session_bird_frr() {
  local name=bird-frr-ebgp-v4v6 nb=cap-s1-bird nf=cap-s1-frr d
  log "== $name"
  ns_add $nb; ns_add $nf
  link $nb s1-bird $nf s1-frr 10
  addr $nb s1-bird 198.18.10.1/24; addr $nb s1-bird 2001:db8:10::1/64
  addr $nf s1-frr 198.18.10.2/24;  addr $nf s1-frr 2001:db8:10::2/64

  d=$WORK/s1-bird; mkdir -p "$d"
  {
    cat <<CONF
log "$d/bird.log" all;
router id 198.18.10.1;
hostname "s1-bird";
protocol device { scan time 5; }
CONF
    # 100 /32s each in three protocols; the third is disabled later (withdrawal)
    for blk in a:1 b:2 c:3; do
      echo "protocol static s4${blk%%:*} { ipv4;"
      for i in $(seq 0 99); do echo "  route 100.64.${blk##*:}.$i/32 blackhole;"; done
      echo "}"
    done
    cat <<CONF
protocol static s4x { ipv4;
  route 100.64.0.0/10 blackhole;  route 100.65.0.0/16 blackhole;
  route 100.64.4.0/22 blackhole;  route 100.64.5.128/25 blackhole;
  route 100.64.6.6/31 blackhole;  route 100.127.255.0/24 blackhole;
}
CONF
    echo "protocol static s6a { ipv6;"
    for i in $(seq 1 50); do printf '  route 2001:db8:1::%x/128 blackhole;\n' "$i"; done
    echo "}"
    echo "protocol static s6b { ipv6;"
    for i in $(seq 0 19); do printf '  route 2001:db8:2:%x::/64 blackhole;\n' "$i"; done
    echo "}"
    cat <<CONF
protocol static s6x { ipv6;
  route 2001:db8:100::/40 blackhole; route 2001:db8:3:8000::/49 blackhole;
  route fd00:1:2::/48 blackhole;     route 2001:db8:4::/127 blackhole;
}
filter to_frr4 {
  if net ~ [100.64.1.0/24{32,32}] then {
    bgp_community.add((65001,100));
    bgp_large_community.add((4200000001, 1, 100));
    bgp_ext_community.add((rt, 65001, 100));
    bgp_med = 10;
    accept;
  }
  if net ~ [100.64.2.0/24{32,32}] then {
    bgp_community.add((65001,200)); bgp_community.add((65001,201)); bgp_community.add((65535,65281));
    bgp_large_community.add((4200000001, 2, 200)); bgp_large_community.add((4200000001, 2, 201));
    bgp_ext_community.add((rt, 4200000001, 200)); bgp_ext_community.add((ro, 198.18.10.1, 7));
    bgp_med = 20;
    accept;
  }
  if net ~ [100.64.3.0/24{32,32}] then {
    bgp_origin = ORIGIN_INCOMPLETE;
    bgp_path.prepend(4200000001); bgp_path.prepend(4200000001);
    accept;
  }
  bgp_origin = ORIGIN_EGP;
  bgp_community.add((65001,999));
  accept;
}
filter to_frr6 {
  if net ~ [2001:db8:1::/48{128,128}] then {
    bgp_community.add((65001,600)); bgp_med = 60;
    bgp_large_community.add((4200000001, 6, 0));
    accept;
  }
  if net ~ [2001:db8:2::/48{64,64}] then {
    bgp_large_community.add((4200000001, 6, 64)); bgp_ext_community.add((rt, 65001, 64));
    accept;
  }
  accept;
}
protocol bgp frr {
  local 198.18.10.1 as 4200000001;
  neighbor 198.18.10.2 as 65002;
  hold time 9; keepalive time 3; connect retry time 5; connect delay time 1;
  graceful restart on; long lived graceful restart on;
  enable route refresh on;
  enable extended messages on;
  local role customer;
  advertise hostname on;
  ipv4 { import all; export filter to_frr4; };
  ipv6 { import all; export filter to_frr6; next hop address 2001:db8:10::1; };
}
CONF
  } >"$d/bird.conf"

  d=$WORK/s1-frr; mkdir -p "$d"
  cat >"$d/zebra.conf" <<CONF
hostname s1-frr
CONF
  cat >"$d/bgpd.conf" <<CONF
hostname s1-frr
ip prefix-list P-AGG seq 5 permit 100.64.200.0/21
ip prefix-list P-200 seq 5 permit 100.64.200.0/24
ipv6 prefix-list P6-200 seq 5 permit 2001:db8:200::/48
route-map TO-BIRD permit 10
 match ip address prefix-list P-200
 set community 65002:200 65002:201 no-export
 set large-community 65002:1:2 4200000001:9:9
 set extcommunity rt 65002:300 198.18.10.2:5
 set extcommunity soo 65002:7
 set metric 77
 set origin egp
route-map TO-BIRD permit 20
 match ip address prefix-list P-AGG
 set community 65002:500
route-map TO-BIRD permit 30
 set as-path prepend 65002 65002
route-map TO-BIRD6 permit 10
 match ipv6 address prefix-list P6-200
 set community 65002:600
 set large-community 65002:6:6
 set metric 66
route-map TO-BIRD6 permit 20
router bgp 65002
 bgp router-id 198.18.10.2
 no bgp ebgp-requires-policy
 no bgp network import-check
 bgp graceful-restart
 bgp long-lived-graceful-restart stale-time 300
 neighbor 198.18.10.1 remote-as 4200000001
 neighbor 198.18.10.1 timers 3 9
 neighbor 198.18.10.1 timers connect 5
 neighbor 198.18.10.1 local-role provider
 address-family ipv4 unicast
  network 100.64.200.0/24
  network 100.64.201.0/24
  network 100.64.202.128/25
  network 100.127.255.255/32
  aggregate-address 100.64.200.0/21
  neighbor 198.18.10.1 route-map TO-BIRD out
 exit-address-family
 address-family ipv6 unicast
  network 2001:db8:200::/48
  network 2001:db8:201:1::/64
  network 2001:db8:202::1/128
  neighbor 198.18.10.1 activate
  neighbor 198.18.10.1 route-map TO-BIRD6 out
 exit-address-family
CONF

  local pcap=$WORK/$name.pcap
  capture_start $nb s1-bird "$pcap"
  frr_start $nf s1-frr
  bird_start $nb s1-bird "$WORK/s1-bird/bird.conf"
  wait_for 60 "s1 session" bird_established $nb s1-bird frr
  wait_for 60 "FRR got BIRD's IPv4 routes" frr_pfx_rcvd $nf s1-frr 198.18.10.1 ipv4 306
  wait_for 60 "FRR got BIRD's IPv6 routes" frr_pfx_rcvd $nf s1-frr 198.18.10.1 ipv6 74
  settle 7   # a few keepalives
  log "withdraw: disable s4c (100 IPv4 /32) and s6b (20 IPv6 /64)"
  birdc_ $nb s1-bird disable s4c; birdc_ $nb s1-bird disable s6b
  settle 3
  log "BIRD: reload in (ROUTE-REFRESH to FRR)"
  birdc_ $nb s1-bird reload in frr
  settle 3
  log "FRR: soft in (ROUTE-REFRESH to BIRD)"
  vtysh_ $nf s1-frr "clear bgp ipv6 unicast 198.18.10.1 soft in"
  settle 3
  log "BIRD: reload out"
  birdc_ $nb s1-bird reload out frr
  settle 3
  log "BIRD: disable with shutdown communication"
  birdc_ $nb s1-bird disable frr '"maintenance: planned reboot of s1-bird"'
  settle 2
  capture_stop
  teardown
  to_fixture "$pcap" $name \
    "$TODAY with test/capture/capture.sh bird-frr (BIRD $BIRD_V AS4200000001 198.18.10.1 <-> FRR $FRR_V AS65002 198.18.10.2, one veth, tcpdump $TCPDUMP_V -i s1-bird in BIRD's namespace)" \
    198.18.10.1=bird 198.18.10.2=frr
}

# ------------------------------------------------------------ session 2 -----
# bird-gobgp: iBGP AS65000. GoBGP is a route reflector (cluster 198.18.20.1)
# with BIRD (198.18.20.2) and FRR (198.18.21.2) as clients; captured on the
# BIRD <-> GoBGP link. ADD-PATH: IPv4 both ways on both sides; IPv6 only
# GoBGP -> BIRD (BIRD "add paths rx", GoBGP send-max without receive).
session_bird_gobgp() {
  local name=bird-gobgp-ibgp-rr-addpath nb=cap-s2-bird ng=cap-s2-rr nf=cap-s2-frr d
  log "== $name"
  ns_add $nb; ns_add $ng; ns_add $nf
  link $ng s2-rr-b $nb s2-bird 20
  link $ng s2-rr-f $nf s2-frr 21
  addr $ng s2-rr-b 198.18.20.1/24; addr $ng s2-rr-b 2001:db8:20::1/64
  addr $nb s2-bird 198.18.20.2/24; addr $nb s2-bird 2001:db8:20::2/64
  addr $ng s2-rr-f 198.18.21.1/24; addr $ng s2-rr-f 2001:db8:21::1/64
  addr $nf s2-frr 198.18.21.2/24;  addr $nf s2-frr 2001:db8:21::2/64

  d=$WORK/s2-bird; mkdir -p "$d"
  cat >"$d/bird.conf" <<CONF
log "$d/bird.log" all;
router id 198.18.20.2;
protocol device { scan time 5; }
protocol direct { ipv4; ipv6; interface "s2-bird"; }
# several paths for the same prefixes: ADD-PATH sends each with its own path id
protocol static pa { ipv4; route 100.64.60.0/24 via 198.18.20.10; route 100.64.61.0/24 via 198.18.20.10;
                     route 100.64.62.1/32 via 198.18.20.10; }
protocol static pb { ipv4; route 100.64.60.0/24 via 198.18.20.11; route 100.64.61.0/24 via 198.18.20.11; }
protocol static pc { ipv4; route 100.64.60.0/24 via 198.18.20.12; }
protocol static p6a { ipv6; route 2001:db8:60::/48 via 2001:db8:20::10; route 2001:db8:61::/48 via 2001:db8:20::10; }
protocol static p6b { ipv6; route 2001:db8:60::/48 via 2001:db8:20::11; }
filter to_rr4 {
  if proto = "pa" then { bgp_local_pref = 300; bgp_community.add((65000,1)); }
  if proto = "pb" then { bgp_local_pref = 200; bgp_med = 20; bgp_large_community.add((65000,2,2)); }
  if proto = "pc" then { bgp_origin = ORIGIN_INCOMPLETE; bgp_ext_community.add((rt, 65000, 3)); }
  accept;
}
filter to_rr6 {
  if proto = "p6b" then { bgp_local_pref = 120; bgp_community.add((65000,6)); }
  accept;
}
protocol bgp reflector {
  local 198.18.20.2 as 65000;
  neighbor 198.18.20.1 as 65000;
  hold time 9; keepalive time 3; connect retry time 5; connect delay time 1;
  graceful restart on;
  ipv4 { import all; export filter to_rr4; add paths on; };
  ipv6 { import all; export filter to_rr6; add paths rx; next hop address 2001:db8:20::2; };
}
CONF

  d=$WORK/s2-rr; mkdir -p "$d"
  cat >"$d/gobgpd.toml" <<CONF
[global.config]
  as = 65000
  router-id = "198.18.20.1"
  local-address-list = ["198.18.20.1", "198.18.21.1"]

[[neighbors]]
  [neighbors.config]
    neighbor-address = "198.18.20.2"
    peer-as = 65000
  [neighbors.timers.config]
    hold-time = 9
    keepalive-interval = 3
    connect-retry = 5
    idle-hold-time-after-reset = 2
  [neighbors.transport.config]
    local-address = "198.18.20.1"
  [neighbors.route-reflector.config]
    route-reflector-client = true
    route-reflector-cluster-id = "198.18.20.1"
  [neighbors.graceful-restart.config]
    enabled = true
    restart-time = 90
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
    [neighbors.afi-safis.mp-graceful-restart.config]
      enabled = true
    [neighbors.afi-safis.add-paths.config]
      receive = true
      send-max = 8
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv6-unicast"
    [neighbors.afi-safis.mp-graceful-restart.config]
      enabled = true
    [neighbors.afi-safis.add-paths.config]
      receive = false
      send-max = 8

[[neighbors]]
  [neighbors.config]
    neighbor-address = "198.18.21.2"
    peer-as = 65000
  [neighbors.timers.config]
    hold-time = 9
    keepalive-interval = 3
    connect-retry = 5
  [neighbors.transport.config]
    local-address = "198.18.21.1"
  [neighbors.route-reflector.config]
    route-reflector-client = true
    route-reflector-cluster-id = "198.18.20.1"
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv4-unicast"
  [[neighbors.afi-safis]]
    [neighbors.afi-safis.config]
      afi-safi-name = "ipv6-unicast"
CONF

  d=$WORK/s2-frr; mkdir -p "$d"
  echo "hostname s2-frr" >"$d/zebra.conf"
  cat >"$d/bgpd.conf" <<CONF
hostname s2-frr
route-map SET50 permit 10
 set local-preference 250
 set community 65000:50 65000:5050 no-export
 set large-community 65000:50:50
 set extcommunity rt 65000:50
 set metric 5
route-map SET70 permit 10
 set local-preference 170
 set community 65000:70
router bgp 65000
 bgp router-id 198.18.21.2
 no bgp network import-check
 neighbor 198.18.21.1 remote-as 65000
 neighbor 198.18.21.1 timers 3 9
 neighbor 198.18.21.1 timers connect 5
 address-family ipv4 unicast
  network 100.64.50.0/24 route-map SET50
  network 100.64.52.0/24
  network 100.64.53.0/24
  aggregate-address 100.64.52.0/23 summary-only
 exit-address-family
 address-family ipv6 unicast
  network 2001:db8:70::/48 route-map SET70
  neighbor 198.18.21.1 activate
 exit-address-family
CONF

  local pcap=$WORK/$name.pcap
  capture_start $nb s2-bird "$pcap"
  gobgp_start $ng s2-rr "$WORK/s2-rr/gobgpd.toml"
  # GoBGP's own paths: two for 100.64.50.0/24 (FRR has a third), with path
  # identifiers, AGGREGATOR, AS_PATH with an AS_SET, AIGP
  gobgp_ $ng global rib add -a ipv4 100.64.50.0/24 identifier 11 nexthop 198.18.20.1 local-pref 110 community 65000:11
  gobgp_ $ng global rib add -a ipv4 100.64.50.0/24 identifier 12 nexthop 198.18.20.5 local-pref 120 med 12 large-community 65000:12:12
  gobgp_ $ng global rib add -a ipv4 100.64.51.0/24 nexthop 198.18.20.1 origin egp aspath "64512 {4200000064,64513}" aggregator 65000:198.18.20.1 community no-export,65000:51
  gobgp_ $ng global rib add -a ipv4 100.64.54.0/24 nexthop 198.18.20.1 aigp metric 40
  gobgp_ $ng global rib add -a ipv4 100.64.55.0/24 nexthop 198.18.20.1 rt 65000:5 198.18.20.1:6
  gobgp_ $ng global rib add -a ipv6 2001:db8:70::/48 identifier 21 nexthop 2001:db8:20::1 local-pref 130
  gobgp_ $ng global rib add -a ipv6 2001:db8:71::/48 identifier 22 nexthop 2001:db8:20::5 community 65000:71
  frr_start $nf s2-frr
  bird_start $nb s2-bird "$WORK/s2-bird/bird.conf"
  wait_for 60 "s2 BIRD session" bird_established $nb s2-bird reflector
  wait_for 60 "s2 FRR session" frr_established $nf s2-frr 198.18.21.1
  settle 8
  log "withdraw one path each way (path ids)"
  gobgp_ $ng global rib del -a ipv4 100.64.50.0/24 identifier 12
  birdc_ $nb s2-bird disable pc
  settle 3
  log "route refresh both ways"
  birdc_ $nb s2-bird reload in reflector
  settle 2
  gobgp_ $ng neighbor 198.18.20.2 softresetin -a ipv4
  settle 3
  log "GoBGP: admin reset with a communication, then the session comes back"
  gobgp_ $ng neighbor 198.18.20.2 reset --reason "rr maintenance"
  wait_for 60 "s2 BIRD session back" bird_established $nb s2-bird reflector
  settle 5
  capture_stop
  teardown
  to_fixture "$pcap" $name \
    "$TODAY with test/capture/capture.sh bird-gobgp (BIRD $BIRD_V AS65000 198.18.20.2 <-> GoBGP $GOBGP_V AS65000 198.18.20.1 route reflector, FRR $FRR_V AS65000 198.18.21.2 third RR client; tcpdump $TCPDUMP_V -i s2-bird in BIRD's namespace)" \
    198.18.20.2=bird 198.18.20.1=gobgp
}

# ------------------------------------------------------------ session 3 -----
# bird-as2-frr: eBGP between a 2-octet-AS-only speaker (BIRD AS65010 with
# "enable as4 off", 198.18.30.1) and FRR AS65020 (198.18.30.2). Both sides'
# paths hold 4-octet ASNs (prepends), so UPDATEs carry AS_TRANS (23456) in
# AS_PATH plus AS4_PATH, and FRR's "set aggregator as 4200000077" gives
# AGGREGATOR 23456 plus AS4_AGGREGATOR. (BIRD with "enable as4 off" cannot
# peer with a 4-octet AS at all: it takes the peer's ASN from the AS4
# capability anyway and rejects AS 23456 or any other 2-octet stand-in with
# "Bad peer AS", and refuses a configured ASN above 65535.)
session_bird_as2_frr() {
  local name=bird-as2-frr-as4path nb=cap-s3-bird nf=cap-s3-frr d
  log "== $name"
  ns_add $nb; ns_add $nf
  link $nb s3-bird $nf s3-frr 30
  addr $nb s3-bird 198.18.30.1/24; addr $nb s3-bird 2001:db8:30::1/64
  addr $nf s3-frr 198.18.30.2/24;  addr $nf s3-frr 2001:db8:30::2/64

  d=$WORK/s3-bird; mkdir -p "$d"
  cat >"$d/bird.conf" <<CONF
log "$d/bird.log" all;
router id 198.18.30.1;
protocol device { scan time 5; }
protocol static s4 { ipv4;
  route 100.64.80.0/24 blackhole; route 100.64.81.0/24 blackhole;
  route 100.64.82.0/24 blackhole; route 100.64.83.0/24 blackhole;
}
protocol static s6 { ipv6; route 2001:db8:80::/48 blackhole; route 2001:db8:81::/48 blackhole; }
filter to_frr {
  if net = 100.64.80.0/24 then { bgp_path.prepend(4200000009); bgp_community.add((65010,80)); }
  if net = 100.64.81.0/24 then { bgp_path.prepend(65011); bgp_path.prepend(4200000009); bgp_path.prepend(4200000008); }
  if net = 100.64.82.0/24 then { bgp_large_community.add((4200000009, 82, 82)); bgp_med = 82; }
  if net = 2001:db8:80::/48 then { bgp_path.prepend(4200000009); }
  accept;
}
protocol bgp frr {
  local 198.18.30.1 as 65010;
  neighbor 198.18.30.2 as 65020;
  enable as4 off;
  hold time 9; keepalive time 3; connect retry time 5; connect delay time 1;
  ipv4 { import all; export filter to_frr; };
  ipv6 { import all; export filter to_frr; next hop address 2001:db8:30::1; };
}
CONF

  d=$WORK/s3-frr; mkdir -p "$d"
  echo "hostname s3-frr" >"$d/zebra.conf"
  cat >"$d/bgpd.conf" <<CONF
hostname s3-frr
route-map P1 permit 10
 set as-path prepend 4200000031
route-map P2 permit 10
 set as-path prepend 65031 4200000032
route-map P3 permit 10
 set aggregator as 4200000077 198.18.30.77
 set community 65020:3
route-map TO-BIRD permit 10
 set large-community 65020:1:1
 set as-path prepend 4200000020
router bgp 65020
 bgp router-id 198.18.30.2
 no bgp ebgp-requires-policy
 no bgp network import-check
 neighbor 198.18.30.1 remote-as 65010
 neighbor 198.18.30.1 timers 3 9
 neighbor 198.18.30.1 timers connect 5
 address-family ipv4 unicast
  network 100.64.90.0/24 route-map P1
  network 100.64.91.0/24 route-map P2
  network 100.64.92.0/24 route-map P3
  aggregate-address 100.64.90.0/23 as-set
  neighbor 198.18.30.1 route-map TO-BIRD out
 exit-address-family
 address-family ipv6 unicast
  network 2001:db8:90::/48 route-map P1
  neighbor 198.18.30.1 activate
 exit-address-family
CONF

  local pcap=$WORK/$name.pcap
  capture_start $nb s3-bird "$pcap"
  frr_start $nf s3-frr
  bird_start $nb s3-bird "$WORK/s3-bird/bird.conf"
  wait_for 60 "s3 session" bird_established $nb s3-bird frr
  wait_for 60 "FRR got BIRD's routes" frr_pfx_rcvd $nf s3-frr 198.18.30.1 ipv4 4
  settle 6
  log "withdraw 100.64.81.0/24 (reconfigure BIRD without it)"
  sed -i 's|route 100.64.81.0/24 blackhole;||' "$WORK/s3-bird/bird.conf"
  birdc_ $nb s3-bird configure
  settle 3
  log "FRR: route refresh request"
  vtysh_ $nf s3-frr "clear bgp ipv4 unicast 198.18.30.1 soft in"
  settle 3
  log "FRR: neighbor shutdown with a message"
  vtysh_ $nf s3-frr "configure terminal" "router bgp 65020" "neighbor 198.18.30.1 shutdown message end of test s3"
  settle 2
  capture_stop
  teardown
  to_fixture "$pcap" $name \
    "$TODAY with test/capture/capture.sh bird-as2-frr (BIRD $BIRD_V AS65010 'enable as4 off' 198.18.30.1 <-> FRR $FRR_V AS65020 198.18.30.2, one veth, tcpdump $TCPDUMP_V -i s3-bird in BIRD's namespace)" \
    198.18.30.1=bird 198.18.30.2=frr
}

# ------------------------------------------------------------ session 4 -----
# frr-frr-extmsg: eBGP over IPv6 transport (2001:db8:40::1 <-> ::2) between
# two FRR instances, AS65041 (A) and AS65042 (B), three TCP connections:
#  1. both OPENs in RFC 9072 extended optional parameter encoding; extended
#     messages (RFC 8654) with UPDATEs above 4096 bytes; extended next hop
#     (RFC 8950) advertised both ways; dynamic capability; ended by a
#     neighbor shutdown with a message on A, which FRR sends as Cease/Hard
#     Reset (RFC 8538, GR N bit) wrapping Administrative Shutdown.
#  2. after restarting both bgpd with new configs: classic OPENs, no extended
#     next hop, prefix ORF capabilities, ADD-PATH tx-all-paths for IPv6 on A;
#     B pushes a prefix ORF in a ROUTE-REFRESH; then A hard-resets.
#  3. the session coming back after the hard reset.
# Why two configurations: FRR 8.4 encodes the ORF capability with a wrong
# parameter length in RFC 9072 form (the peer rejects the OPEN), and a peer
# receiving an RFC 9072 OPEN may miss its ADD-PATH capability and reject the
# path ids ("wrong prefix length"); FRR also does not switch the encoding
# back cleanly at run time, hence the bgpd restart.
session_frr_frr_extmsg() {
  local name=frr-frr-extmsg-v6 na=cap-s4-frra nbb=cap-s4-frrb d i
  log "== $name"
  ns_add $na; ns_add $nbb
  link $na s4-a $nbb s4-b 40
  addr $na s4-a 2001:db8:40::1/64; addr $na s4-a 198.18.40.1/24
  addr $nbb s4-b 2001:db8:40::2/64; addr $nbb s4-b 198.18.40.2/24

  d=$WORK/s4-a; mkdir -p "$d"
  echo "hostname s4-frr-a" >"$d/zebra.conf"
  {
    cat <<CONF
hostname s4-frr-a
route-map A-OUT permit 10
 set community 65041:1
 set large-community 65041:1:1
router bgp 65041
 bgp router-id 198.18.40.1
 no bgp ebgp-requires-policy
 no bgp network import-check
 bgp graceful-restart
 neighbor 2001:db8:40::2 remote-as 65042
 neighbor 2001:db8:40::2 timers 3 9
 neighbor 2001:db8:40::2 timers connect 5
 neighbor 2001:db8:40::2 extended-optional-parameters
 neighbor 2001:db8:40::2 capability extended-nexthop
 neighbor 2001:db8:40::2 capability dynamic
 address-family ipv4 unicast
  neighbor 2001:db8:40::2 activate
  neighbor 2001:db8:40::2 route-map A-OUT out
CONF
    for i in $(seq 0 1199); do echo "  network 100.66.$((i / 200)).$((i % 200))/32"; done
    cat <<CONF
 exit-address-family
 address-family ipv6 unicast
  neighbor 2001:db8:40::2 activate
  neighbor 2001:db8:40::2 route-map A-OUT out
CONF
    for i in $(seq 1 400); do printf '  network 2001:db8:41::%x/128\n' "$i"; done
    echo " exit-address-family"
  } >"$d/bgpd.conf"

  d=$WORK/s4-b; mkdir -p "$d"
  echo "hostname s4-frr-b" >"$d/zebra.conf"
  {
    cat <<CONF
hostname s4-frr-b
ip prefix-list ORF-IN seq 5 deny 100.66.1.0/24 le 32
ip prefix-list ORF-IN seq 10 permit 100.66.0.0/16 le 32
route-map B-OUT permit 10
 set extcommunity rt 65042:42
 set metric 42
router bgp 65042
 bgp router-id 198.18.40.2
 no bgp ebgp-requires-policy
 no bgp network import-check
 bgp graceful-restart
 neighbor 2001:db8:40::1 remote-as 65041
 neighbor 2001:db8:40::1 timers 3 9
 neighbor 2001:db8:40::1 timers connect 5
 neighbor 2001:db8:40::1 capability extended-nexthop
 neighbor 2001:db8:40::1 extended-optional-parameters
 address-family ipv4 unicast
  neighbor 2001:db8:40::1 activate
  neighbor 2001:db8:40::1 route-map B-OUT out
CONF
    for i in $(seq 0 999); do echo "  network 100.67.$((i / 200)).$((i % 200))/32"; done
    cat <<CONF
 exit-address-family
 address-family ipv6 unicast
  neighbor 2001:db8:40::1 activate
  network 2001:db8:42::/48
  network 2001:db8:42:1::/64
 exit-address-family
CONF
  } >"$d/bgpd.conf"

  local pcap=$WORK/$name.pcap
  capture_start $na s4-a "$pcap"
  frr_start $na s4-a
  frr_start $nbb s4-b
  wait_for 90 "s4 session" frr_established $na s4-a 2001:db8:40::2
  wait_for 90 "B got A's IPv4 routes" frr_pfx_rcvd $nbb s4-b 2001:db8:40::1 ipv4 1200
  wait_for 90 "A got B's IPv4 routes" frr_pfx_rcvd $na s4-a 2001:db8:40::2 ipv4 1000
  settle 4
  log "A: neighbor shutdown with a message; restart both bgpd: classic OPENs + prefix ORF capability"
  vtysh_ $na s4-a "configure terminal" "router bgp 65041" "neighbor 2001:db8:40::2 shutdown message reconfiguring s4-frr-a"
  settle 2
  bgpd_stop s4-a; bgpd_stop s4-b
  sed -e '/extended-optional-parameters/d' -e '/capability extended-nexthop/d' \
    -e 's|^  neighbor 2001:db8:40::2 activate$|&\n  neighbor 2001:db8:40::2 capability orf prefix-list both|' \
    -e 's|^  neighbor 2001:db8:40::2 route-map A-OUT out$|&\n  neighbor 2001:db8:40::2 addpath-tx-all-paths|' \
    "$WORK/s4-a/bgpd.conf" >"$WORK/s4-a/bgpd2.conf"
  sed -e '/extended-optional-parameters/d' -e '/capability extended-nexthop/d' \
    -e 's|^  neighbor 2001:db8:40::1 activate$|&\n  neighbor 2001:db8:40::1 capability orf prefix-list both|' \
    "$WORK/s4-b/bgpd.conf" >"$WORK/s4-b/bgpd2.conf"
  bgpd_start $na s4-a "$WORK/s4-a/bgpd2.conf"
  bgpd_start $nbb s4-b "$WORK/s4-b/bgpd2.conf"
  wait_for 90 "s4 session (2nd)" frr_established $na s4-a 2001:db8:40::2
  wait_for 90 "B got A's IPv4 routes (2nd)" frr_pfx_rcvd $nbb s4-b 2001:db8:40::1 ipv4 1200
  settle 3
  log "B: inbound prefix-list pushed to A as a prefix ORF (ROUTE-REFRESH)"
  vtysh_ $nbb s4-b "configure terminal" "router bgp 65042" "address-family ipv4 unicast" \
    "neighbor 2001:db8:40::1 prefix-list ORF-IN in"
  vtysh_ $nbb s4-b "clear bgp ipv4 unicast 2001:db8:40::1 in prefix-filter"
  settle 4
  log "A: hard reset (Cease/Hard Reset with the GR N bit)"
  vtysh_ $na s4-a "clear bgp 2001:db8:40::2"
  wait_for 60 "s4 session (3rd)" frr_established $na s4-a 2001:db8:40::2
  settle 4
  capture_stop
  teardown
  to_fixture "$pcap" $name \
    "$TODAY with test/capture/capture.sh frr-frr-extmsg (FRR $FRR_V AS65041 2001:db8:40::1 <-> FRR $FRR_V AS65042 2001:db8:40::2, IPv6 transport, one veth, tcpdump $TCPDUMP_V -i s4-a in A's namespace)" \
    2001:db8:40::1=frr-a 2001:db8:40::2=frr-b
}

# ------------------------------------------------------------------- main ---
main() {
  [[ $(id -u) == 0 ]] || die "run as root (network namespaces)"
  local all=(bird-frr bird-gobgp bird-as2-frr frr-frr-extmsg) sel=("$@") s
  ((${#sel[@]})) || sel=(all)
  [[ ${sel[0]} == all ]] && sel=("${all[@]}")
  need_packages
  versions
  mkdir -p "$WORK"
  chmod 0755 "$WORK"
  log "work dir $WORK; BIRD $BIRD_V, FRR $FRR_V, GoBGP $GOBGP_V, tcpdump $TCPDUMP_V"
  for s in "${sel[@]}"; do
    case $s in
      bird-frr) session_bird_frr ;;
      bird-gobgp) session_bird_gobgp ;;
      bird-as2-frr) session_bird_as2_frr ;;
      frr-frr-extmsg) session_frr_frr_extmsg ;;
      *) die "unknown session '$s' (one of: all ${all[*]})" ;;
    esac
  done
  (cd "$ROOT" && npx --no-install tsx test/capture/verify-fixtures.ts "$OUT")
}

main "$@"
