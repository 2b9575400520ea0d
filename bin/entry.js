// Shared by the bin/ shims: run a command from its compiled JavaScript when
// the project is built (npm run build), else from its TypeScript source
// through tsx (development checkouts).
import { existsSync } from 'node:fs';

export async function runEntry(compiled, source) {
  const dist = new URL(`../dist/${compiled}`, import.meta.url);
  if (existsSync(dist)) {
    await import(dist.href);
    return;
  }
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL(`../${source}`, import.meta.url).href);
}
