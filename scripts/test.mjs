// `npm test`: the one test command (README quick start, .ci/run).
// Installs what a fresh machine lacks, then typecheck, lint, and every vitest
// project (unit + layer tests, the short wire fuzz run, and the suites that
// start a real Kubernetes control plane).
import { checkNode, ensureNpmDeps, mustRun } from './bootstrap.mjs';

checkNode();
ensureNpmDeps();
console.log('• typecheck');
mustRun('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit']);
console.log('• lint');
mustRun('npx', ['eslint', '.']);
console.log('• tests');
mustRun('npx', ['vitest', 'run', ...process.argv.slice(2)]);
