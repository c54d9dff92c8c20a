import { describe, expect, it } from 'vitest';
import { isOwnCreate } from '../../src/activities/create-adoption';

const since = Date.parse('2026-11-23T10:00:00Z');
const instance = (over: Record<string, unknown>) => ({ service_name: 'db', status: 'In Progress', ...over }) as never;

describe('isOwnCreate: only what this create provably made', () => {
  it('is ours when this API user made it after the create was sent (a minute of clock skew allowed)', () => {
    expect(isOwnCreate(instance({ created_by: 'dbaas', creation_time: 'Mon, 23 Nov 2026 10:00:05 UTC' }), 'dbaas', since)).toBe(true);
    expect(isOwnCreate(instance({ created_by: 'dbaas', creation_time: 'Mon, 23 Nov 2026 09:59:30 UTC' }), 'dbaas', since)).toBe(true);
  });

  it('is not ours when someone else made it, it is older, or its creation time cannot be read', () => {
    expect(isOwnCreate(instance({ created_by: 'alice', creation_time: 'Mon, 23 Nov 2026 10:00:05 UTC' }), 'dbaas', since)).toBe(false);
    expect(isOwnCreate(instance({ created_by: 'dbaas', creation_time: 'Mon, 23 Nov 2026 09:50:00 UTC' }), 'dbaas', since)).toBe(false);
    expect(isOwnCreate(instance({ created_by: 'dbaas' }), 'dbaas', since)).toBe(false);
    expect(isOwnCreate(instance({ created_by: 'dbaas', creation_time: 'soon' }), 'dbaas', since)).toBe(false);
  });
});
