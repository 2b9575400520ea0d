#!/usr/bin/env node
// bgpd entry point (see entry.js).
import { runEntry } from './entry.js';

await runEntry('bgp/daemon/main.js', 'bgp/daemon/main.ts');
