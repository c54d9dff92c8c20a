// The rollout input's busy backoff: validated, with defaults of 5 s doubling to 5 min.
import { describe, expect, it } from 'vitest';
import { rollingPatchInputSchema } from '../../src/shared/patching';

const base = { identityDomain: 'd', patchId: 'p', services: ['a'] };

describe('rollingPatch input: busyRetrySeconds', () => {
  it('defaults to 5 s doubling up to 300 s', () => {
    expect(rollingPatchInputSchema.parse(base).busyRetrySeconds).toEqual({ initial: 5, max: 300 });
    expect(rollingPatchInputSchema.parse({ ...base, busyRetrySeconds: { initial: 1 } }).busyRetrySeconds).toEqual({ initial: 1, max: 300 });
  });

  it('refuses a cap below the first pause, and pauses under a second', () => {
    expect(rollingPatchInputSchema.safeParse({ ...base, busyRetrySeconds: { initial: 10, max: 5 } }).error?.issues[0]).toMatchObject({ path: ['busyRetrySeconds', 'max'], message: 'max must be at least initial' });
    expect(rollingPatchInputSchema.safeParse({ ...base, busyRetrySeconds: { initial: 0 } }).success).toBe(false);
  });
});
