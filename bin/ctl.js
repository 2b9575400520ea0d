#!/usr/bin/env node
// ctl entry point: the compiled CLI when built (npm run build), else the
// TypeScript source through tsx (development checkouts).
import { existsSync } from 'node:fs';

const dist = new URL('../dist/bgp/cli/ctl.js', import.meta.url);
if (existsSync(dist)) {
  await import(dist.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../bgp/cli/ctl.ts', import.meta.url).href);
}
