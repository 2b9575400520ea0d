// MemoryDatastore against the shared contract suite, plus what only memory does.
import { describe, expect, it } from 'vitest';
import { MemoryDatastore } from './memory.js';
import { datastoreContract } from './testing/contract-suite.js';
import { EventLog, ipPool } from './testing/fixtures.js';

datastoreContract('memory', async () => ({ ds: new MemoryDatastore() }));

describe('MemoryDatastore', () => {
  it('a watcher whose handler throws does not stop delivery to others', async () => {
    const ds = new MemoryDatastore();
    const thrown: unknown[] = [];
    const onUncaught = (e: unknown): void => { thrown.push(e); };
    process.on('uncaughtException', onUncaught);
    try {
      ds.watch(['IPPool'], () => { throw new Error('consumer bug'); });
      const log = new EventLog();
      ds.watch(['IPPool'], log.handler);
      await ds.create(ipPool('pool-a', '100.64.0.0/16'));
      await log.until((ev) => ev.length >= 2);
      expect(log.summary()).toEqual(['in-sync', 'set:IPPool/pool-a']);
    } finally {
      await new Promise((r) => setImmediate(r));
      process.off('uncaughtException', onUncaught);
    }
    expect(thrown.length).toBeGreaterThan(0);
  });
});
