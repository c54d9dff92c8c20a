// The policy (who may run what, where) and the sealed credential, without Temporal.
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { decide, DEFAULT_POLICY, loadPolicy } from '../../src/auth/policy';
import { SEALED_FOR_MS, sealCredential, unsealCredential } from '../../src/auth/sealed-credential';
import { codecKeyFrom, EncryptionCodec } from '../../src/worker/codec';

const codec = new EncryptionCodec(codecKeyFrom(Buffer.alloc(32, 7)));

describe('the default policy', () => {
  const ask = (groups: string[], operation: string, identityDomain = 'dev', ticket?: string) => decide(DEFAULT_POLICY, { subject: 'u@example.com', groups }, { operation, identityDomain, ticket });

  it('lets operators run day-to-day operations and keeps deletes and rollouts for admins', () => {
    for (const op of ['buildService', 'scaleService', 'changeLifecycle', 'maintainService']) expect(ask(['operators'], op)).toEqual({ allowed: true, role: 'operator' });
    for (const op of ['deleteService', 'rollingPatch', 'patchService']) {
      expect(ask(['operators'], op)).toEqual({ allowed: false, reason: `u@example.com may not run ${op} in dev (roles there: operator)` });
      expect(ask(['admins'], op)).toEqual({ allowed: true, role: 'admin' });
    }
    expect(ask(['viewers'], 'scaleService')).toMatchObject({ allowed: false, reason: expect.stringContaining('roles there: viewer') });
    expect(ask([], 'scaleService')).toMatchObject({ allowed: false, reason: expect.stringContaining('no role there') });
  });

  it('asks a ticket in production domains', () => {
    expect(ask(['admins'], 'scaleService', 'prod-eu')).toEqual({ allowed: false, reason: 'prod-eu needs a change ticket: pass --ticket' });
    expect(ask(['admins'], 'scaleService', 'prod-eu', '  ')).toMatchObject({ allowed: false });
    expect(ask(['admins'], 'scaleService', 'prod-eu', 'CHG-1')).toEqual({ allowed: true, role: 'admin' });
  });
});

describe('a policy file', () => {
  const write = (body: unknown) => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'policy-')), 'policy.json');
    writeFileSync(file, typeof body === 'string' ? body : JSON.stringify(body));
    return file;
  };

  it('matches subjects and domain prefixes', () => {
    const policy = loadPolicy(write({ roles: { ops: ['scaleService'] }, grants: [{ subject: 'ann', role: 'ops', identityDomains: ['team-a*'] }] }));
    expect(decide(policy, { subject: 'ann', groups: [] }, { operation: 'scaleService', identityDomain: 'team-a-1' })).toEqual({ allowed: true, role: 'ops' });
    expect(decide(policy, { subject: 'ann', groups: [] }, { operation: 'scaleService', identityDomain: 'team-b' }).allowed).toBe(false);
    expect(decide(policy, { subject: 'bob', groups: ['ann'] }, { operation: 'scaleService', identityDomain: 'team-a' }).allowed).toBe(false);
  });

  it('is refused with the field that is wrong', () => {
    expect(() => loadPolicy(write('{'))).toThrow(/not JSON/);
    expect(() => loadPolicy(write({ roles: { ops: ['dropDatabase'] }, grants: [{ group: 'g', role: 'ops' }] }))).toThrow(/roles\.ops\.0/);
    expect(() => loadPolicy(write({ roles: { ops: [] }, grants: [{ group: 'g', role: 'nope' }] }))).toThrow(/grants\.0\.role.*unknown role "nope"/);
    expect(() => loadPolicy(write({ roles: { ops: [] }, grants: [{ group: 'g', subject: 's', role: 'ops' }] }))).toThrow(/either a subject or a group/);
    expect(() => loadPolicy(path.join(os.tmpdir(), 'no-such-policy.json'))).toThrow(/cannot be read/);
  });
});

describe('a sealed credential', () => {
  it('opens for the workflow it was sealed for, within its time', async () => {
    const sealed = await sealCredential(codec, 'the.token.itself', 'svc:d:a', 1_000_000);
    expect(sealed).not.toContain('the.token.itself');
    expect(await unsealCredential(codec, sealed, 'svc:d:a', 1_000_000 + SEALED_FOR_MS - 1)).toBe('the.token.itself');
    await expect(unsealCredential(codec, sealed, 'svc:d:b', 1_000_000)).rejects.toThrow('sealed for another workflow');
    await expect(unsealCredential(codec, sealed, 'svc:d:a', 1_000_000 + SEALED_FOR_MS)).rejects.toThrow('too long ago');
    await expect(unsealCredential(new EncryptionCodec(codecKeyFrom(Buffer.alloc(32, 8))), sealed, 'svc:d:a', 1_000_000)).rejects.toThrow('not sealed with a key this worker holds');
    await expect(unsealCredential(codec, 'eyJhbGciOi.x.y', 'svc:d:a')).rejects.toThrow('not a sealed credential');
  });
});
