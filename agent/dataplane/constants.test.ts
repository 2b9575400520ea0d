// Shared dataplane constants: our route protocol and workload interface names.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { ROUTE_PROTOCOL, workloadInterfaceName } from './constants.js';

describe('dataplane constants', () => {
  it('route protocol 201; interface name cali + 11 hex chars of SHA-1("<namespace>.<pod>")', () => {
    expect(ROUTE_PROTOCOL).toBe(201);
    const want = `cali${createHash('sha1').update('default.web-0').digest('hex').slice(0, 11)}`;
    expect(workloadInterfaceName('default', 'web-0')).toBe(want);
    expect(want).toHaveLength(15);
    expect(() => workloadInterfaceName('default', 'web-0', 'toolong')).toThrow(/longer than 15 characters/);
  });
});
