// Lint: typescript-eslint recommended rules plus the layer rules of the
// architecture (ARCHITECTURE.md "Layers point one way"), enforced as import
// restrictions rather than good intentions.
//   bgp: wire -> rib -> fsm/session -> speaker -> api
//   - bgp/wire: no I/O, no timers, nothing from the layers above it.
//   - only bgp/session touches sockets (node:net, node:dgram, node:tls, koffi FFI);
//     outside bgp/, only agent/dataplane may use koffi (netlink).
//   - only bgp/api imports generated proto code.
//   - outside bgp/, the speaker is used only through its public entry bgp/index.ts.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const above = (layers) => layers.flatMap((l) => [`**/${l}`, `**/${l}/**`]);
// koffi (FFI to libc: setsockopt for TCP-MD5/GTSM, netlink) counts as socket access
const sockets = ['net', 'node:net', 'dgram', 'node:dgram', 'tls', 'node:tls', 'koffi'];
const io = [...sockets, 'fs', 'node:fs', 'fs/promises', 'node:fs/promises', 'child_process', 'node:child_process', 'http', 'node:http'];
const proto = ['**/proto/**', '@grpc/*', '@grpc/**'];

function restrict(patterns, paths, message) {
  return {
    'no-restricted-imports': ['error', {
      paths: paths.map((name) => ({ name, message })),
      patterns: [{ group: patterns, message }],
    }],
  };
}

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'test/k8s/go/**', '.cache/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', Buffer: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', setImmediate: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-constant-condition': ['error', { checkLoops: false }],
    },
  },
  {
    files: ['bgp/wire/**/*.ts'],
    ignores: ['bgp/wire/**/*.test.ts', 'bgp/wire/bench/**', 'bgp/wire/fuzz/**'],
    rules: {
      ...restrict([...above(['rib', 'fsm', 'session', 'speaker', 'api']), ...proto, '**/agent/**', '**/reflector/**'], io,
        'bgp/wire is the bottom layer: pure functions over Buffer, no I/O, nothing from rib/fsm/session/speaker/api.'),
      'no-restricted-globals': ['error', 'setTimeout', 'setInterval', 'setImmediate', 'process'],
    },
  },
  {
    files: ['bgp/rib/**/*.ts'],
    rules: restrict([...above(['fsm', 'session', 'speaker', 'api']), ...proto], io,
      'bgp/rib knows nothing of sockets, sessions, the speaker or the API.'),
  },
  {
    files: ['bgp/policy/**/*.ts'],
    rules: restrict([...above(['rib', 'fsm', 'session', 'speaker', 'api']), ...proto], io,
      'bgp/policy works on decoded routes only: it may import bgp/wire, nothing above it.'),
  },
  {
    files: ['bgp/fsm/**/*.ts'],
    rules: restrict([...above(['session', 'speaker', 'api']), ...proto], io,
      'bgp/fsm is a pure step function: timers and sockets are injected.'),
  },
  {
    files: ['bgp/session/**/*.ts'],
    rules: restrict([...above(['speaker', 'api']), ...proto], [],
      'bgp/session sits below the speaker and the API.'),
  },
  {
    files: ['bgp/speaker/**/*.ts'],
    // tests may open raw sockets to play a remote peer
    ignores: ['bgp/speaker/**/*.test.ts'],
    rules: restrict([...above(['api']), ...proto], sockets,
      'bgp/speaker does not import the API adapter or proto code; only bgp/session touches sockets.'),
  },
  {
    files: ['agent/**/*.ts', 'reflector/**/*.ts', 'test/**/*.ts', 'proto/**/*.ts', 'scripts/**/*.ts'],
    rules: restrict(['**/bgp/*', '**/bgp/**', '!**/bgp/index.js', '!**/proto/gen/**'], ['koffi'],
      'Outside bgp/, use the speaker only through its public entry bgp/index.js; FFI (koffi) only in bgp/session and agent/dataplane.'),
  },
  {
    // the agent's kernel drivers (netlink, sysctl) may use FFI
    files: ['agent/dataplane/**/*.ts'],
    rules: restrict(['**/bgp/*', '**/bgp/**', '!**/bgp/index.js', '!**/proto/gen/**'], [],
      'Outside bgp/, use the speaker only through its public entry bgp/index.js.'),
  },
);
