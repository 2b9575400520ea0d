// The layer rules of ARCHITECTURE.md are enforced by eslint's import
// restrictions (eslint.config.js). This checks that the rules really fire:
// each case lints a one-line module at a path inside the repository.

import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const eslint = new ESLint({ cwd: new URL('../..', import.meta.url).pathname });

async function restricted(filePath: string, code: string): Promise<string[]> {
  const [res] = await eslint.lintText(code, { filePath });
  return (res?.messages ?? []).filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-globals').map((m) => m.message);
}

describe('layer rules', () => {
  const cases: [string, string, string, boolean][] = [
    ['bgp/wire may not import the RIB', 'bgp/wire/x.ts', "import { a } from '../rib/table.js';", true],
    ['bgp/wire may not import the session layer', 'bgp/wire/attrs/x.ts', "import { a } from '../../session/peer.js';", true],
    ['bgp/wire may not do socket I/O', 'bgp/wire/x.ts', "import net from 'node:net';", true],
    ['bgp/wire may not use timers', 'bgp/wire/x.ts', 'setTimeout(() => 1, 1);', true],
    ['bgp/wire may import itself', 'bgp/wire/x.ts', "import { a } from './prefix.js';", false],
    ['bgp/rib may not import fsm', 'bgp/rib/x.ts', "import { a } from '../fsm/table.js';", true],
    ['bgp/rib may import wire', 'bgp/rib/x.ts', "import { a } from '../wire/index.js';", false],
    ['bgp/fsm may not import sockets', 'bgp/fsm/x.ts', "import net from 'node:net';", true],
    ['bgp/speaker may not import proto code', 'bgp/speaker/x.ts', "import { a } from '../../proto/gen/bgp.js';", true],
    ['only bgp/session touches sockets', 'bgp/session/x.ts', "import net from 'node:net';", false],
    ['the agent may not reach into bgp internals', 'agent/x.ts', "import { a } from '../bgp/wire/prefix.js';", true],
    ['the agent uses the public entry', 'agent/x.ts', "import { a } from '../bgp/index.js';", false],
    ['the reflector may not reach into bgp internals', 'reflector/x.ts', "import { a } from '../bgp/rib/x.js';", true],
  ];
  for (const [name, path, code, violates] of cases) {
    it(name, async () => {
      const msgs = await restricted(path, code);
      if (violates) expect(msgs.length, `${path}: ${code}`).toBeGreaterThan(0);
      else expect(msgs, `${path}: ${code}`).toEqual([]);
    });
  }
});
