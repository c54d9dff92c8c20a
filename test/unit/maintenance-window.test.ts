import { describe, expect, it } from 'vitest';
import { inWindow, nextWindowStart } from '../../src/shared/maintenance-window';
import { rollingPatchInputSchema } from '../../src/shared/patching';

const at = (iso: string) => Date.parse(iso);

describe('maintenance windows (UTC)', () => {
  const weekendNights = { days: ['Sat' as const, 'Sun' as const], startHour: 22, endHour: 4 };

  it('knows whether an instant is inside, including windows past midnight', () => {
    expect(inWindow(at('2026-11-21T23:30:00Z'), weekendNights)).toBe(true); // Saturday 23:30
    expect(inWindow(at('2026-11-22T03:59:00Z'), weekendNights)).toBe(true); // Sunday 03:59, Saturday's window
    expect(inWindow(at('2026-11-23T02:00:00Z'), weekendNights)).toBe(true); // Monday 02:00, Sunday's window
    expect(inWindow(at('2026-11-24T02:00:00Z'), weekendNights)).toBe(false); // Tuesday 02:00
    expect(inWindow(at('2026-11-21T21:59:00Z'), weekendNights)).toBe(false);
    expect(inWindow(at('2026-11-20T10:00:00Z'), { startHour: 9, endHour: 17 })).toBe(true);
  });

  it('finds when the next window opens', () => {
    expect(nextWindowStart(at('2026-11-21T23:30:00Z'), weekendNights)).toBe(at('2026-11-21T23:30:00Z'));
    expect(new Date(nextWindowStart(at('2026-11-24T10:15:00Z'), weekendNights)!).toISOString()).toBe('2026-11-28T22:00:00.000Z');
    expect(new Date(nextWindowStart(at('2026-11-24T17:00:00Z'), { startHour: 9, endHour: 17 })!).toISOString()).toBe('2026-11-25T09:00:00.000Z');
  });

  it('is validated with the rollout input', () => {
    const r = rollingPatchInputSchema.safeParse({ identityDomain: 'd', patchId: 'p', services: ['a'], maintenanceWindow: { startHour: 5, endHour: 5 } });
    expect(r.success).toBe(false);
    expect(rollingPatchInputSchema.safeParse({ identityDomain: 'd', patchId: 'p' }).error?.issues[0]?.message).toContain('give services (names) or version');
    expect(rollingPatchInputSchema.safeParse({ identityDomain: 'd', patchId: 'p', services: ['a', 'a'] }).error?.issues[0]?.message).toContain('lists a service twice');
  });
});
