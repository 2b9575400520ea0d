#!/usr/bin/env node
// bgpd entry point: the compiled daemon when built (npm run build), else the
// TypeScript source through tsx (development checkouts).
import { existsSync } from 'node:fs';

const dist = new URL('../dist/bgp/daemon/main.js', import.meta.url);
if (existsSync(dist)) {
  await import(dist.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../bgp/daemon/main.ts', import.meta.url).href);
}
