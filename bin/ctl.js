#!/usr/bin/env node
// ctl entry point (see entry.js).
import { runEntry } from './entry.js';

await runEntry('bgp/cli/ctl.js', 'bgp/cli/ctl.ts');
