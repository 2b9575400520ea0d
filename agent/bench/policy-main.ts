// Runs the NetworkPolicy driver benchmark on its own (needs root: it builds
// network namespaces): `node --import tsx agent/bench/policy-main.ts [runs]`.
// Prints a table, then one JSON line {"bench":"agent-policy",...}.
import { benchPolicy, formatPolicyBench } from './policy.js';

const runs = Number(process.argv[2] ?? 3);
const result = await benchPolicy({ runs });
console.log(formatPolicyBench(result));
console.log(JSON.stringify(result.figures));
