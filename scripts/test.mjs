// `npm test`: the one test command (README quick start, .ci/run).
// Installs what a fresh machine lacks, then typecheck, lint, the protos (buf
// lint + generated code up to date), and every vitest
// project (unit + layer tests, the short wire fuzz run, and the suites that
// start a real Kubernetes control plane).
import { checkNode, ensureNpmDeps, mustRun } from './bootstrap.mjs';

checkNode();
ensureNpmDeps();
console.log('• typecheck');
mustRun('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']);
console.log('• lint');
mustRun('npx', ['eslint', '.']);
console.log('• protos (buf lint, proto/gen up to date)');
mustRun('node', ['scripts/proto.mjs', 'check']);
console.log('• tests');
mustRun('npx', ['vitest', 'run', ...process.argv.slice(2)]);
