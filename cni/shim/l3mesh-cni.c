/*
 * l3mesh CNI plugin: a static shim that hands one CNI invocation to the
 * node's l3mesh agent and prints its answer (cni/README.md says why a shim).
 *
 *   stdin (network configuration) + CNI_* environment
 *     -> agent.v1.InvokeRequest (protobuf, proto/agent/v1/cni.proto), framed
 *        as a 4-byte big-endian length, over the agent's unix socket
 *     <- agent.v1.InvokeResponse framed the same way: output goes to stdout,
 *        exit status 0 when error_code is 0, else 1.
 *
 * The shim itself answers only what must work without the agent (CNI spec
 * 1.1 "Execution protocol" and "Error"):
 *   VERSION                    the supported versions (no agent needed)
 *   stdin that is not JSON     error 6 (decode failure)
 *   agent unreachable          error 11 (try again later), for STATUS 50
 * Everything else (validation, versions, results) is the agent's.
 *
 * The socket is the configuration's top-level "agent_socket", default
 * /var/run/l3mesh/cni.sock. A small JSON walker checks the syntax and picks
 * out the two top-level strings it needs ("cniVersion", "agent_socket").
 * Built with `cc -static` by cni/build.mjs; uses only libc, no NSS.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <sys/un.h>
#include <unistd.h>

#define DEFAULT_SOCKET "/var/run/l3mesh/cni.sock"
#define LATEST_VERSION "1.1.0"
/* keep in step with SUPPORTED_VERSIONS in agent/cni/spec.ts (a test checks) */
#define SUPPORTED "[\"0.3.0\",\"0.3.1\",\"0.4.0\",\"1.0.0\",\"1.1.0\"]"
#define MAX_INPUT (16u << 20)
#define TIMEOUT_S 300

static char cni_version[32] = LATEST_VERSION;

/* ---- output -------------------------------------------------------------- */

static void json_string(FILE *f, const char *s) {
  fputc('"', f);
  for (; *s; s++) {
    unsigned char c = (unsigned char)*s;
    if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
    else if (c < 0x20) fprintf(f, "\\u%04x", c);
    else fputc(c, f);
  }
  fputc('"', f);
}

static void die(int code, const char *fmt, ...) {
  char msg[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  printf("{\"cniVersion\":\"%s\",\"code\":%d,\"msg\":", cni_version, code);
  json_string(stdout, msg);
  printf("}\n");
  fflush(stdout);
  exit(1);
}

/* ---- JSON walking (syntax check + two top-level strings) ----------------- */

struct span { const char *p; size_t n; int escaped; };

static const char *ws(const char *p, const char *e) {
  while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) p++;
  return p;
}

static int hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

static const char *jstring(const char *p, const char *e, struct span *out) {
  if (p >= e || *p != '"') return NULL;
  const char *b = ++p;
  int esc = 0;
  while (p < e) {
    unsigned char c = (unsigned char)*p;
    if (c == '"') {
      if (out) { out->p = b; out->n = (size_t)(p - b); out->escaped = esc; }
      return p + 1;
    }
    if (c < 0x20) return NULL;
    if (c == '\\') {
      esc = 1;
      if (++p >= e) return NULL;
      if (*p == 'u') {
        if (e - p < 5 || !hex(p[1]) || !hex(p[2]) || !hex(p[3]) || !hex(p[4])) return NULL;
        p += 4;
      } else if (!strchr("\"\\/bfnrt", *p)) {
        return NULL;
      }
    }
    p++;
  }
  return NULL;
}

static const char *digits(const char *p, const char *e) {
  const char *b = p;
  while (p < e && *p >= '0' && *p <= '9') p++;
  return p == b ? NULL : p;
}

static const char *jnumber(const char *p, const char *e) {
  if (p < e && *p == '-') p++;
  if (!(p = digits(p, e))) return NULL;
  if (p < e && *p == '.' && !(p = digits(p + 1, e))) return NULL;
  if (p < e && (*p == 'e' || *p == 'E')) {
    p++;
    if (p < e && (*p == '+' || *p == '-')) p++;
    if (!(p = digits(p, e))) return NULL;
  }
  return p;
}

static struct span want_version, want_socket;

static const char *jvalue(const char *p, const char *e, int depth);

static const char *jobject(const char *p, const char *e, int depth) {
  p = ws(p + 1, e);
  if (p < e && *p == '}') return p + 1;
  for (;;) {
    struct span key;
    if (!(p = jstring(ws(p, e), e, &key))) return NULL;
    p = ws(p, e);
    if (p >= e || *p != ':') return NULL;
    p = ws(p + 1, e);
    const char *vstart = p;
    if (!(p = jvalue(p, e, depth + 1))) return NULL;
    if (depth == 0 && *vstart == '"' && !key.escaped) {
      struct span *dst = NULL;
      if (key.n == 10 && memcmp(key.p, "cniVersion", 10) == 0) dst = &want_version;
      if (key.n == 12 && memcmp(key.p, "agent_socket", 12) == 0) dst = &want_socket;
      if (dst) jstring(vstart, e, dst);
    }
    p = ws(p, e);
    if (p < e && *p == ',') { p++; continue; }
    if (p < e && *p == '}') return p + 1;
    return NULL;
  }
}

static const char *jarray(const char *p, const char *e, int depth) {
  p = ws(p + 1, e);
  if (p < e && *p == ']') return p + 1;
  for (;;) {
    if (!(p = jvalue(ws(p, e), e, depth + 1))) return NULL;
    p = ws(p, e);
    if (p < e && *p == ',') { p++; continue; }
    if (p < e && *p == ']') return p + 1;
    return NULL;
  }
}

static const char *jvalue(const char *p, const char *e, int depth) {
  if (depth > 128 || p >= e) return NULL;
  switch (*p) {
    case '{': return jobject(p, e, depth);
    case '[': return jarray(p, e, depth);
    case '"': return jstring(p, e, NULL);
    case 't': return (e - p >= 4 && memcmp(p, "true", 4) == 0) ? p + 4 : NULL;
    case 'f': return (e - p >= 5 && memcmp(p, "false", 5) == 0) ? p + 5 : NULL;
    case 'n': return (e - p >= 4 && memcmp(p, "null", 4) == 0) ? p + 4 : NULL;
    default: return jnumber(p, e);
  }
}

/* ---- protobuf (proto3 wire format: varints and length-delimited fields) -- */

struct buf { uint8_t *p; size_t n, cap; };

static void put(struct buf *b, const void *d, size_t n) {
  if (b->n + n > b->cap) {
    b->cap = (b->n + n) * 2 + 64;
    if (!(b->p = realloc(b->p, b->cap))) die(5, "out of memory");
  }
  memcpy(b->p + b->n, d, n);
  b->n += n;
}

static void varint(struct buf *b, uint64_t v) {
  uint8_t t[10];
  size_t n = 0;
  do { t[n++] = (uint8_t)((v & 0x7f) | (v > 0x7f ? 0x80 : 0)); v >>= 7; } while (v);
  put(b, t, n);
}

static void field_bytes(struct buf *b, unsigned field, const void *d, size_t n) {
  varint(b, (field << 3) | 2);
  varint(b, n);
  put(b, d, n);
}

static void field_env(struct buf *b, unsigned field, const char *var) {
  const char *v = getenv(var);
  if (v) field_bytes(b, field, v, strlen(v)); /* absent variable = absent field */
}

static int read_varint(const uint8_t **p, const uint8_t *e, uint64_t *v) {
  *v = 0;
  for (int s = 0; s < 64 && *p < e; s += 7) {
    uint8_t c = *(*p)++;
    *v |= (uint64_t)(c & 0x7f) << s;
    if (!(c & 0x80)) return 0;
  }
  return -1;
}

/* ---- I/O ------------------------------------------------------------------- */

static void read_all(int fd, struct buf *b, size_t limit, const char *what) {
  uint8_t tmp[65536];
  for (;;) {
    ssize_t n = read(fd, tmp, sizeof tmp);
    if (n == 0) return;
    if (n < 0) {
      if (errno == EINTR) continue;
      die(5, "reading %s: %s", what, strerror(errno));
    }
    if (b->n + (size_t)n > limit) die(5, "%s is larger than %u bytes", what, limit);
    put(b, tmp, (size_t)n);
  }
}

static void write_all(int fd, const uint8_t *p, size_t n, const char *what) {
  while (n) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      die(11, "writing to %s: %s", what, strerror(errno));
    }
    p += w;
    n -= (size_t)w;
  }
}

int main(void) {
  const char *cmd = getenv("CNI_COMMAND");
  int status = cmd && strcmp(cmd, "STATUS") == 0;
  struct buf in = {0};
  read_all(0, &in, MAX_INPUT, "the network configuration on stdin");

  const char *s = (const char *)in.p, *e = s + in.n;
  const char *end = in.n ? jvalue(ws(s, e), e, 0) : NULL;
  int parsed = end && ws(end, e) == e;
  if (parsed && want_version.p && !want_version.escaped && want_version.n > 0 && want_version.n < sizeof cni_version) {
    memcpy(cni_version, want_version.p, want_version.n);
    cni_version[want_version.n] = 0;
  }
  if (cmd && strcmp(cmd, "VERSION") == 0) {
    printf("{\"cniVersion\":");
    json_string(stdout, cni_version);
    printf(",\"supportedVersions\":" SUPPORTED "}\n");
    return 0;
  }
  if (!parsed) die(6, "failed to decode the network configuration on stdin: %s", in.n ? "not valid JSON" : "empty input");

  char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
  if (want_socket.p) {
    if (want_socket.escaped || want_socket.n == 0 || want_socket.n >= sizeof path) die(7, "invalid network configuration: \"agent_socket\" must be a plain path shorter than %zu bytes", sizeof path);
    memcpy(path, want_socket.p, want_socket.n);
    path[want_socket.n] = 0;
  } else {
    strcpy(path, DEFAULT_SOCKET);
  }

  struct buf req = {0};
  field_env(&req, 1, "CNI_COMMAND");
  field_env(&req, 2, "CNI_CONTAINERID");
  field_env(&req, 3, "CNI_NETNS");
  field_env(&req, 4, "CNI_IFNAME");
  field_env(&req, 5, "CNI_ARGS");
  field_env(&req, 6, "CNI_PATH");
  field_bytes(&req, 7, in.p, in.n);

  int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) die(status ? 50 : 11, "socket: %s", strerror(errno));
  struct sockaddr_un sa = { .sun_family = AF_UNIX };
  strcpy(sa.sun_path, path);
  if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
    die(status ? 50 : 11, "cannot reach the l3mesh agent at %s: %s (is the agent running on this node?)", path, strerror(errno));
  }
  struct timeval tv = { .tv_sec = TIMEOUT_S };
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  uint8_t head[4] = { (uint8_t)(req.n >> 24), (uint8_t)(req.n >> 16), (uint8_t)(req.n >> 8), (uint8_t)req.n };
  write_all(fd, head, 4, path);
  write_all(fd, req.p, req.n, path);
  shutdown(fd, SHUT_WR);

  struct buf res = {0};
  read_all(fd, &res, MAX_INPUT + 4, "the agent's reply");
  close(fd);
  if (res.n < 4) die(11, "the l3mesh agent at %s closed the connection without an answer", path);
  size_t len = ((size_t)res.p[0] << 24) | ((size_t)res.p[1] << 16) | ((size_t)res.p[2] << 8) | res.p[3];
  if (len != res.n - 4) die(5, "the l3mesh agent's reply is malformed (frame of %zu bytes, got %zu)", len, res.n - 4);

  const uint8_t *p = res.p + 4, *pe = res.p + res.n, *out = NULL;
  uint64_t out_n = 0, code = 0;
  while (p < pe) {
    uint64_t key, v;
    if (read_varint(&p, pe, &key)) die(5, "the l3mesh agent's reply is malformed");
    switch (key & 7) {
      case 0:
        if (read_varint(&p, pe, &v)) die(5, "the l3mesh agent's reply is malformed");
        if ((key >> 3) == 2) code = v;
        break;
      case 2:
        if (read_varint(&p, pe, &v) || v > (uint64_t)(pe - p)) die(5, "the l3mesh agent's reply is malformed");
        if ((key >> 3) == 1) { out = p; out_n = v; }
        p += v;
        break;
      case 1: if (pe - p < 8) die(5, "the l3mesh agent's reply is malformed"); p += 8; break;
      case 5: if (pe - p < 4) die(5, "the l3mesh agent's reply is malformed"); p += 4; break;
      default: die(5, "the l3mesh agent's reply is malformed");
    }
  }
  if (out_n) {
    write_all(1, out, out_n, "stdout");
    write_all(1, (const uint8_t *)"\n", 1, "stdout");
  }
  return code == 0 ? 0 : 1;
}
