// Network namespace test hosts (ARCHITECTURE.md "Network namespace test
// hosts"): labs of namespaces + veths + processes with guaranteed teardown,
// command helpers, /proc accounting and waiting helpers.
export { Lab, type VethEnd } from './lab.js';
export { LabProcess, type SpawnOptions } from './process.js';
export { CommandError, inNetns, run, runFull, runSync, type RunOptions, type RunResult } from './exec.js';
export { cpuSeconds, isStopped, memory, pidAlive, procStat, type ProcMemory, type ProcStat } from './proc.js';
export { sleep, sleepSync, waitFor, waitUntil, WaitTimeout, type WaitOptions } from './wait.js';
export { assertRoutePrefix, assertUnderlay, family, parseCidr } from './addresses.js';
export { listNetns, STATE_DIR, sweepStale } from './registry.js';
export { addLanMembers, buildLan, type LanMember } from './lan.js';
