import { describe, expect, it } from 'vitest';
import { buildServiceInputSchema, describeZodError } from '../../src/shared/schemas';
import { adminPasswordViolations, serviceNameViolations } from '../../src/shared/dbcs-rules';
import { sampleInput, TEST_PASSWORD } from '../helpers/harness';

const problemsOf = (input: unknown) => {
  const r = buildServiceInputSchema.safeParse(input);
  return r.success ? '' : describeZodError(r.error);
};

describe('buildService input schema', () => {
  it('accepts a single-instance and a RAC spec', () => {
    expect(problemsOf(sampleInput('orders-db'))).toBe('');
    const rac = sampleInput('ledger-rac');
    rac.service.edition = 'EE_EP';
    rac.service.parameters = [{ type: 'db', usableStorage: 50, adminPassword: TEST_PASSWORD, backupDestination: 'NONE', isRac: 'yes' }];
    const parsed = buildServiceInputSchema.parse(rac);
    expect(parsed.service.parameters?.[0]?.usableStorage).toBe('50');
  });

  it.each([
    ['a name starting with a digit', (i: ReturnType<typeof sampleInput>) => (i.service.serviceName = '1db'), 'serviceName: must start with a letter'],
    ['a name ending with a hyphen', (i: ReturnType<typeof sampleInput>) => (i.service.serviceName = 'db-'), 'serviceName: must not end with a hyphen'],
    ['an unknown shape', (i: ReturnType<typeof sampleInput>) => (i.service.shape = 'oc99'), 'service.shape: must be one of oc3'],
    ['an unknown version', (i: ReturnType<typeof sampleInput>) => (i.service.version = '9.2' as never), 'service.version'],
    ['storage below 15 GB', (i: ReturnType<typeof sampleInput>) => (i.service.parameters![0]!.usableStorage = '10'), 'usableStorage: must be between 15 and 2048'],
    ['cloud backups without a container', (i: ReturnType<typeof sampleInput>) => (i.service.parameters![0]!.backupDestination = 'BOTH'), 'cloudStorageContainer: is required when backupDestination is BOTH'],
    ['a pdbName on 11g', (i: ReturnType<typeof sampleInput>) => {
      i.service.version = '11.2.0.4';
      i.service.parameters![0]!.pdbName = 'PDB1';
    }, 'pdbName: applies only to 12c'],
    ['RAC without EE_EP', (i: ReturnType<typeof sampleInput>) => (i.service.parameters![0]!.isRac = 'yes'), 'edition: a RAC database (isRac "yes") requires edition EE_EP'],
    ['RAC with Data Guard', (i: ReturnType<typeof sampleInput>) => {
      i.service.edition = 'EE_EP';
      i.service.parameters![0]!.isRac = 'yes';
      i.service.parameters![0]!.failoverDatabase = 'yes';
    }, 'failoverDatabase: cannot be "yes" together with isRac'],
    ['a RAC name over 15 characters', (i: ReturnType<typeof sampleInput>) => {
      i.service.serviceName = 'a-very-long-rac-name';
      i.service.edition = 'EE_EP';
      i.service.parameters![0]!.isRac = 'yes';
    }, 'at most 15 characters for a RAC database'],
    ['no parameters for PAAS', (i: ReturnType<typeof sampleInput>) => (i.service.parameters = []), 'parameters: must hold exactly one object'],
    ['a bad identity domain', (i: ReturnType<typeof sampleInput>) => (i.identityDomain = 'bad domain!'), 'identityDomain'],
    ['a missing SSH key', (i: ReturnType<typeof sampleInput>) => (i.service.vmPublicKeyText = 'not a key'), 'vmPublicKeyText: must be an SSH public key'],
  ])('rejects %s, naming the field', (_what, mutate, expected) => {
    const input = sampleInput('orders-db');
    mutate(input);
    expect(problemsOf(input)).toContain(expected);
  });

  it('names every password rule that fails and never echoes the password', () => {
    const input = sampleInput('orders-db');
    input.service.parameters![0]!.adminPassword = '9bad pw';
    const problems = problemsOf(input);
    expect(problems).toContain('adminPassword: must be 8 to 30 characters long');
    expect(problems).toContain('adminPassword: must start with a letter');
    expect(problems).toContain('adminPassword: may contain only letters, digits and the characters $ # _');
    expect(problems).not.toContain('9bad pw');
  });

  it('rule helpers agree with the DBCS documentation', () => {
    expect(serviceNameViolations('a'.repeat(50), false)).toEqual([]);
    expect(serviceNameViolations('a'.repeat(51), false)[0]).toContain('at most 50');
    expect(adminPasswordViolations('Welcome1#')).toEqual([]);
    expect(adminPasswordViolations('Welcomeone#')).toEqual(['must contain at least one digit']);
  });
});
