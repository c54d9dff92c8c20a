// Property tests of the input schemas: 1,000 generated invalid inputs per workflow (one bad field
// each), and invalid arguments of every update and signal. Each is refused, the error names the bad
// field, never echoes a long value or a password, stays short, and parsing never throws.
import fc from 'fast-check';
import type { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { maintainControlRequestSchema, maintainServiceInputSchema, setDesiredRequestSchema } from '../../src/shared/maintain';
import { controlRequestSchema, rollingPatchInputSchema } from '../../src/shared/patching';
import { buildServiceInputSchema, changeLifecycleInputSchema, deleteServiceInputSchema, describeZodError, scaleServiceInputSchema } from '../../src/shared/schemas';
import { BAD_INPUT_SEED, badControlArgument, badDesiredField, invalidInputs, notADesiredState, longStrings, namesField, showCase, VALID_PASSWORD, WORKFLOW_SPECS, type WorkflowSpec } from '../helpers/bad-input';

const SCHEMAS: Record<WorkflowSpec['type'], z.ZodTypeAny> = {
  buildService: buildServiceInputSchema,
  scaleService: scaleServiceInputSchema,
  changeLifecycle: changeLifecycleInputSchema,
  deleteService: deleteServiceInputSchema,
  rollingPatch: rollingPatchInputSchema,
  maintainService: maintainServiceInputSchema,
};

const RUNS = 1000;
const MAX_MESSAGE = 8_000;

/** The checks every refused input must pass; returns the message. */
function expectRefusedNaming(schema: z.ZodTypeAny, input: unknown, field: string, what: string): string {
  let parsed: z.SafeParseReturnType<unknown, unknown>;
  try {
    parsed = schema.safeParse(input);
  } catch (err) {
    throw new Error(`${what}: parsing threw ${String(err)}`);
  }
  expect(parsed.success, `${what}: accepted`).toBe(false);
  const message = describeZodError((parsed as z.SafeParseError<unknown>).error);
  expect(namesField(message, field), `${what}: "${message.slice(0, 500)}" does not name ${field}`).toBe(true);
  expect(message.length, what).toBeLessThan(MAX_MESSAGE);
  for (const s of longStrings(input)) expect(message.includes(s.slice(0, 300)), `${what}: echoes a long value`).toBe(false);
  return message;
}

describe('workflow inputs: 1,000 generated invalid inputs per workflow', () => {
  it.each(WORKFLOW_SPECS.map((s) => s.type))('the valid base input of %s is valid (each case breaks exactly one field of it)', (type) => {
    expect(SCHEMAS[type].safeParse(WORKFLOW_SPECS.find((s) => s.type === type)!.valid).success).toBe(true);
  });

  it.each(WORKFLOW_SPECS.map((s) => s.type))('%s: every invalid input is refused, naming the bad field, without echoing values', (type) => {
    const fields = new Set<string>();
    const hows = new Set<string>();
    fc.assert(
      fc.property(invalidInputs(type), (c) => {
        fields.add(c.field);
        hows.add(c.how);
        const message = expectRefusedNaming(SCHEMAS[type], c.input, c.field, showCase(c));
        // The admin password is never repeated in an error, valid or not.
        expect(message).not.toContain(VALID_PASSWORD);
        const password = (c.input as { service?: { parameters?: { adminPassword?: unknown }[] } } | null)?.service?.parameters?.[0]?.adminPassword;
        if (typeof password === 'string' && password.length >= 6) expect(message, showCase(c)).not.toContain(password);
      }),
      { seed: BAD_INPUT_SEED, numRuns: RUNS },
    );
    // The generator reached (nearly) every field and every kind of mutation.
    expect(fields.size).toBeGreaterThan(WORKFLOW_SPECS.find((s) => s.type === type)!.type === 'deleteService' ? 6 : 8);
    expect([...hows]).toEqual(expect.arrayContaining(['wrong type', 'breaks its rule', 'missing', 'smuggled under __proto__', 'not an object']));
  });

  it('leaves Object.prototype alone after inputs full of __proto__ and constructor keys', () => {
    for (const type of WORKFLOW_SPECS.map((s) => s.type)) {
      for (const c of fc.sample(invalidInputs(type), { seed: BAD_INPUT_SEED, numRuns: 200 })) SCHEMAS[type].safeParse(c.input);
    }
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(({} as Record<string, unknown>).isAdmin).toBeUndefined();
  });
});

describe('describeZodError', () => {
  it('names enum fields without quoting what was sent, and bounds long messages and many issues', () => {
    const shape = buildServiceInputSchema.safeParse({ identityDomain: 'd', service: { serviceName: 'x', version: 'Z'.repeat(100_000) } });
    const message = describeZodError((shape as z.SafeParseError<unknown>).error);
    expect(message).toContain('service.version: must be one of 11.2.0.4, 12.1.0.2, 12.2.0.1, 18.0.0.0');
    expect(message).not.toContain('ZZZZ');
    const many = rollingPatchInputSchema.safeParse({ identityDomain: 'd', patchId: 'p', services: Array.from({ length: 500 }, () => '-bad') });
    const manyMessage = describeZodError((many as z.SafeParseError<unknown>).error);
    expect(manyMessage).toMatch(/services\.0: must start with a letter.*; … and 48\d more$/);
    expect(manyMessage.length).toBeLessThan(MAX_MESSAGE);
  });

  it('shows control characters in keys escaped and cuts long keys', () => {
    const record = { 'bad\nkey\u0000': 1, ['k'.repeat(500)]: 2 };
    const parsed = maintainControlRequestSchema.safeParse(record);
    const message = describeZodError((parsed as z.SafeParseError<unknown>).error);
    expect(message).toContain('(input): unknown fields "bad\\\\u000akey\\\\u0000"');
    expect(message).not.toContain('\n');
    expect(message.length).toBeLessThan(300);
  });
});

describe('update and signal arguments', () => {
  const badControl = badControlArgument;

  it('pause, resume, approve, abort (rollingPatch): the argument schema refuses 1,000 bad arguments naming the field', () => {
    fc.assert(
      fc.property(badControl(['by', 'reason']), ({ arg, field }) => void expectRefusedNaming(controlRequestSchema, arg, field, `control ${JSON.stringify(arg)?.slice(0, 200)}`)),
      { seed: BAD_INPUT_SEED, numRuns: RUNS },
    );
    expect(controlRequestSchema.safeParse({ by: 'ops', reason: 'change window' }).success).toBe(true);
    expect(controlRequestSchema.safeParse({}).success).toBe(true);
  });

  it('pause, resume, detach (maintainService): the argument schema refuses 1,000 bad arguments naming the field', () => {
    fc.assert(
      fc.property(badControl(['reason']), ({ arg, field }) => void expectRefusedNaming(maintainControlRequestSchema, arg, field, `maintain control ${JSON.stringify(arg)?.slice(0, 200)}`)),
      { seed: BAD_INPUT_SEED, numRuns: RUNS },
    );
  });

  it('setDesired: 1,000 bad desired states are refused naming the field', () => {
    const bad = fc.oneof(badDesiredField, notADesiredState);
    fc.assert(
      fc.property(bad, ({ arg, field }) => void expectRefusedNaming(setDesiredRequestSchema, arg, field, `setDesired ${JSON.stringify(arg)?.slice(0, 200)}`)),
      { seed: BAD_INPUT_SEED, numRuns: RUNS },
    );
    expect(setDesiredRequestSchema.safeParse({ shape: 'oc4' }).success).toBe(true);
  });
});
