// Test traffic for the policy namespace tests (plain Node, no dependencies,
// spawned inside pod namespaces). Modes:
//   serve <name> <tcpPorts,…> <udpPorts,…>  TCP+UDP servers on :: (dual stack);
//       TCP greets with "<name>\n" and answers each line with "<name>:<line>\n";
//       UDP answers each datagram with "<name>"; the name @peer answers with
//       the client's address as seen by the server (to check NAT)
//   batch <timeoutMs> <json [{proto,host,port}]>  one attempt each, in parallel;
//       prints a JSON array: the server's name, or null when nothing came back
//   hold <host> <port>  one long-lived TCP connection, a line every 100 ms;
//       prints "reply <n>" per answer, "closed" at the end
//   watch <proto> <host> <port> <timeoutMs>  attempts back to back, forever;
//       prints "ok" or "fail" per attempt
//   udpflood <host> <port> <intervalMs>  a datagram every interval; prints "ok"
//       per answer and "sent <n>" every second
import { createSocket } from 'node:dgram';
import { createConnection, createServer } from 'node:net';

const [mode, ...args] = process.argv.slice(2);
const list = (s) => (s ? s.split(',').filter(Boolean).map(Number) : []);

function tcp(host, port, timeoutMs) {
  return new Promise((resolve) => {
    const sock = createConnection({ host, port });
    let buf = '';
    const done = (v) => { clearTimeout(t); sock.destroy(); resolve(v); };
    const t = setTimeout(() => done(null), timeoutMs);
    sock.on('data', (d) => { buf += d; const i = buf.indexOf('\n'); if (i >= 0) done(buf.slice(0, i)); });
    sock.on('error', () => done(null));
    sock.on('close', () => done(null));
  });
}

function udp(host, port, timeoutMs) {
  return new Promise((resolve) => {
    const sock = createSocket(host.includes(':') ? 'udp6' : 'udp4');
    const done = (v) => { clearTimeout(t); try { sock.close(); } catch { /* closed */ } resolve(v); };
    const t = setTimeout(() => done(null), timeoutMs);
    sock.on('message', (m) => done(String(m)));
    sock.on('error', () => done(null));
    sock.send('probe', port, host);
  });
}

const attempt = (proto, host, port, timeoutMs) => (proto === 'udp' ? udp : tcp)(host, Number(port), timeoutMs);

if (mode === 'serve') {
  const [name, tcpPorts, udpPorts] = args;
  for (const port of list(tcpPorts)) {
    createServer((s) => {
      s.write(`${name === '@peer' ? s.remoteAddress?.replace(/^::ffff:/, '') : name}\n`);
      let buf = '';
      s.on('data', (d) => {
        buf += d;
        for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) { s.write(`${name}:${buf.slice(0, i)}\n`); buf = buf.slice(i + 1); }
      });
      s.on('error', () => {});
    }).listen({ port, host: '::', ipv6Only: false });
  }
  for (const port of list(udpPorts)) {
    const s = createSocket({ type: 'udp6', ipv6Only: false });
    s.on('message', (_m, r) => s.send(name === '@peer' ? r.address.replace(/^::ffff:/, '') : name, r.port, r.address));
    s.bind(port, '::');
  }
  console.log(`serving ${name}`);
} else if (mode === 'batch') {
  const [timeoutMs, json] = args;
  const probes = JSON.parse(json);
  const res = await Promise.all(probes.map((p) => attempt(p.proto, p.host, p.port, Number(timeoutMs))));
  console.log(JSON.stringify(res));
} else if (mode === 'hold') {
  const [host, port] = args;
  const sock = createConnection({ host, port: Number(port) });
  let n = 0; let buf = '';
  sock.on('data', (d) => {
    buf += d;
    for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) { if (buf.slice(0, i).includes(':')) console.log(`reply ${++n}`); buf = buf.slice(i + 1); }
  });
  const timer = setInterval(() => sock.write('ping\n'), 100);
  const end = () => { clearInterval(timer); console.log('closed'); process.exit(0); };
  sock.on('error', end);
  sock.on('close', end);
} else if (mode === 'watch') {
  const [proto, host, port, timeoutMs] = args;
  for (;;) {
    const r = await attempt(proto, host, port, Number(timeoutMs));
    console.log(r === null ? 'fail' : 'ok');
    if (r !== null) await new Promise((res) => setTimeout(res, 20));
  }
} else if (mode === 'udpflood') {
  const [host, port, intervalMs] = args;
  const sock = createSocket(host.includes(':') ? 'udp6' : 'udp4');
  let sent = 0;
  sock.on('message', () => console.log('ok'));
  setInterval(() => { sock.send('probe', Number(port), host); sent++; }, Number(intervalMs));
  setInterval(() => console.log(`sent ${sent}`), 1000);
} else {
  console.error(`usage: probe.mjs serve|batch|hold|watch …`);
  process.exit(2);
}
