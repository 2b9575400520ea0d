// Public entry of the BGP speaker package. Code outside bgp/ imports the
// speaker only from here (enforced by lint). Today: the wire codec.

export * from './wire/index.js';
