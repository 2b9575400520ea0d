// Public entry of the peer FSM layer (bgp/fsm): the RFC 4271 §8 state
// machine as a pure step function with its explicit transition table, OPEN
// negotiation (RFC 4271 §6.2, RFC 4760, RFC 5492), and a driver that runs
// the FSM's timers on an injected clock. No sockets, no real timers.

export * from './types.js';
export { TRANSITIONS, findTransition, isIgnored, eventTypeOf } from './table.js';
export { step, initialSnapshot, TIMERS_OF, type StepResult } from './step.js';
export { negotiate, isWireError, announcedFamilies, keepaliveFor } from './negotiate.js';
export { FsmDriver, HISTORY_LENGTH, type TransitionRecord } from './driver.js';
export { FakeClock } from './fake-clock.js';
