#!/usr/bin/env node
// reflector entry point (see entry.js).
import { runEntry } from './entry.js';

await runEntry('reflector/main.js', 'reflector/main.ts');
