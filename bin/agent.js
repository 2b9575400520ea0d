#!/usr/bin/env node
// agent entry point (see entry.js).
import { runEntry } from './entry.js';

await runEntry('agent/main.js', 'agent/main.ts');
