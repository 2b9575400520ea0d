// Public entry of the NetworkPolicy driver (iptables chains + ipsets).
export { PolicyDriver, type ApplyResult, type PolicyDriverOptions } from './driver.js';
export { PolicyApplier, type ApplierOptions, type ApplyStats, type IptablesCommands } from './applier.js';
export { render, endpointChains, HOOKS, TOP } from './render.js';
export { commandExec, ExecError, type Exec, type ExecResult } from './exec.js';
export type { DesiredState, DesiredChain, DesiredSet, RenderFailure } from './desired.js';
export * from './model.js';
