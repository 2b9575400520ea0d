#!/usr/bin/env node
// reflector entry point: the compiled command when built (npm run build),
// else the TypeScript source through tsx (development checkouts).
import { existsSync } from 'node:fs';

const dist = new URL('../dist/reflector/main.js', import.meta.url);
if (existsSync(dist)) {
  await import(dist.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../reflector/main.ts', import.meta.url).href);
}
