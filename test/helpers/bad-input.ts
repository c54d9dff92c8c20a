// Generated invalid inputs for every workflow of the contract, each with the field that makes it
// invalid, so a test can check that the error names that field. An input is a valid one with exactly
// one field mutated: wrong type, missing, out of range, not in the enum, a string too long or with
// characters the field refuses, nested garbage (with __proto__ and constructor keys), a required field
// smuggled in under __proto__. Also: a counting proxy (every HTTP request that would reach the cloud),
// bounded concurrency, and the checks every bad-input test shares.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { DB_VERSIONS, EDITIONS, LEVELS, SHAPE_NAMES } from '../../src/shared/shapes';
import { DAYS } from '../../src/shared/patching';

/** The seed of every generated set: the same inputs on every run; printed with each failure. */
export const BAD_INPUT_SEED = Number(process.env.BAD_INPUT_SEED ?? 20261123);

// ---------------------------------------------------------------------------------------------------
// Field specs: what each field accepts, as far as a generator needs to know to make it invalid.

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type JsonType = 'string' | 'number' | 'boolean' | 'null' | 'array' | 'object';

interface Common {
  /** Absent is an error (no default, not optional). */
  required?: boolean;
}
export type FieldSpec =
  | (Common & { kind: 'string'; min?: number; max?: number; /** Full-match of what is allowed (beyond length). */ allowed?: RegExp; /** Strings the field refuses besides those (e.g. a password rule). */ refuse?: fc.Arbitrary<string> })
  | (Common & { kind: 'enum'; values: readonly string[]; caseInsensitive?: boolean })
  | (Common & { kind: 'int'; min: number; max: number; /** Numeric strings are accepted too (the API's string sizes). */ numericStrings?: boolean })
  | (Common & { kind: 'number'; min: number; max: number })
  | (Common & { kind: 'boolean' })
  | (Common & { kind: 'array'; of: FieldSpec; min?: number; max?: number; unique?: boolean })
  | (Common & { kind: 'object'; fields: Record<string, FieldSpec>; strict?: boolean })
  /** A field whose only refusal is its own (confirm must repeat the service name). */
  | (Common & { kind: 'custom'; invalid: fc.Arbitrary<Json>; types: JsonType[] });

const str = (o: Omit<Extract<FieldSpec, { kind: 'string' }>, 'kind'> = {}): FieldSpec => ({ kind: 'string', ...o });
const en = (values: readonly string[], o: Common & { caseInsensitive?: boolean } = {}): FieldSpec => ({ kind: 'enum', values, ...o });
const int = (min: number, max: number, o: Common & { numericStrings?: boolean } = {}): FieldSpec => ({ kind: 'int', min, max, ...o });
const bool: FieldSpec = { kind: 'boolean' };
const obj = (fields: Record<string, FieldSpec>, o: Common & { strict?: boolean } = {}): FieldSpec => ({ kind: 'object', fields, ...o });

const DOMAIN: FieldSpec = str({ required: true, min: 1, max: 64, allowed: /^[A-Za-z0-9][A-Za-z0-9._-]*$/ });
const SERVICE_NAME: FieldSpec = str({ required: true, min: 1, max: 50, allowed: /^[A-Za-z][A-Za-z0-9-]*$/ });
const WHO = { requestedBy: str({ max: 200 }), ticket: str({ max: 200 }) };
const TIMEOUTS = obj({ jobMinutes: { kind: 'number', min: 0.05, max: 1440 }, statusMinutes: { kind: 'number', min: 0.05, max: 1440 } }, { strict: true });
const CONTACTS: FieldSpec = {
  kind: 'array',
  max: 20,
  of: obj({
    url: str({ required: true, max: 2048, allowed: /^https?:\/\/[A-Za-z0-9.-]+(:\d+)?(\/[A-Za-z0-9._~/-]*)?$/, refuse: fc.constantFrom('javascript:alert(1)', 'file:///etc/passwd', 'ftp://example.com/x', 'data:text/plain,hi', 'gopher://127.0.0.1:6379/_INFO') }),
    services: { kind: 'array', of: str() },
  }),
};
const YES_NO = en(['yes', 'no']);

/** Passwords the DBCS rules refuse: too short, too long, not starting with a letter, no digit, a character outside letters, digits, $ # _. */
const badPassword = fc.oneof(
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,5}[0-9]$/),
  fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{30,40}[0-9]$/),
  fc.stringMatching(/^[0-9$#_][A-Za-z0-9]{6,20}[0-9]$/),
  fc.stringMatching(/^[A-Za-z][A-Za-z]{8,20}$/),
  fc.tuple(fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{4,10}[0-9]$/), fc.constantFrom('!', ' ', '@', '%', 'é', '💥', '"', "'", '\\', '\u0000')).map(([a, c]) => `${a}${c}x`),
);

export interface WorkflowSpec {
  type: 'buildService' | 'scaleService' | 'changeLifecycle' | 'deleteService' | 'rollingPatch' | 'maintainService';
  /** A valid input with every optional field set, so each can be mutated. */
  valid: Record<string, Json>;
  fields: Record<string, FieldSpec>;
}

export const VALID_PASSWORD = 'Zx9secretPw_7731';

export const WORKFLOW_SPECS: WorkflowSpec[] = [
  {
    type: 'buildService',
    valid: {
      identityDomain: 'baddomain',
      service: {
        serviceName: 'never-built',
        version: '12.2.0.1',
        level: 'PAAS',
        edition: 'EE',
        subscriptionType: 'HOURLY',
        shape: 'oc3',
        vmPublicKeyText: 'ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAABAQC7test test@example',
        description: 'generated',
        parameters: [
          { type: 'db', usableStorage: '25', adminPassword: VALID_PASSWORD, sid: 'ORCL', pdbName: 'PDB1', backupDestination: 'NONE', ncharset: 'AL16UTF16', isRac: 'no', failoverDatabase: 'no', disasterRecovery: 'no', goldenGate: 'no' },
        ],
      },
      requestedBy: 'bad-input-test',
      ticket: 'BAD-1',
      timeouts: { jobMinutes: 30, statusMinutes: 30 },
    },
    fields: {
      identityDomain: DOMAIN,
      service: obj(
        {
          serviceName: str({ required: true, min: 1, max: 50, allowed: /^[A-Za-z]([A-Za-z0-9-]*[A-Za-z0-9])?$/ }),
          version: en(DB_VERSIONS, { required: true }),
          level: en(LEVELS, { required: true }),
          edition: en(EDITIONS, { required: true }),
          subscriptionType: en(['HOURLY', 'MONTHLY'], { required: true }),
          shape: en(SHAPE_NAMES, { required: true }),
          vmPublicKeyText: str({ required: true, allowed: /^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-\S+) \S+[\s\S]*$/ }),
          description: str({ max: 1024 }),
          parameters: {
            kind: 'array',
            required: true,
            min: 1,
            max: 1,
            of: obj({
              type: en(['db'], { required: true }),
              usableStorage: int(15, 2048, { required: true, numericStrings: true }),
              adminPassword: str({ required: true, min: 1, refuse: badPassword }),
              sid: str({ min: 1, max: 8, allowed: /^[A-Za-z][A-Za-z0-9]*$/ }),
              pdbName: str({ min: 1, max: 30, allowed: /^[A-Za-z][A-Za-z0-9_]*$/ }),
              backupDestination: en(['BOTH', 'OSS', 'NONE'], { required: true }),
              ncharset: en(['AL16UTF16', 'UTF8']),
              isRac: YES_NO,
              failoverDatabase: YES_NO,
              disasterRecovery: YES_NO,
              goldenGate: YES_NO,
            }),
          },
        },
        { required: true },
      ),
      ...WHO,
      timeouts: TIMEOUTS,
    },
  },
  {
    type: 'scaleService',
    valid: { identityDomain: 'baddomain', serviceName: 'never-built', shape: 'oc4', additionalStorage: 10, usage: 'data', requestedBy: 'bad-input-test', ticket: 'BAD-1', timeouts: { jobMinutes: 30 } },
    fields: {
      identityDomain: DOMAIN,
      serviceName: SERVICE_NAME,
      shape: en(SHAPE_NAMES),
      additionalStorage: int(1, 1024, { numericStrings: true }),
      usage: en(['data', 'fra']),
      ...WHO,
      timeouts: TIMEOUTS,
    },
  },
  {
    type: 'changeLifecycle',
    valid: { identityDomain: 'baddomain', serviceName: 'never-built', lifecycleState: 'restart', vmName: 'vm-1', lifecycleTimeout: 30, recovery: true, requestedBy: 'bad-input-test', ticket: 'BAD-1', timeouts: { statusMinutes: 10 } },
    fields: {
      identityDomain: DOMAIN,
      serviceName: SERVICE_NAME,
      lifecycleState: en(['stop', 'start', 'restart'], { required: true, caseInsensitive: true }),
      vmName: str({ min: 1, max: 64, allowed: /^[A-Za-z0-9][A-Za-z0-9._-]*$/ }),
      lifecycleTimeout: int(1, 300),
      recovery: bool,
      ...WHO,
      timeouts: TIMEOUTS,
    },
  },
  {
    type: 'deleteService',
    valid: { identityDomain: 'baddomain', serviceName: 'never-built', confirm: 'never-built', deleteBackup: false, requestedBy: 'bad-input-test', ticket: 'BAD-1', timeouts: { jobMinutes: 5 } },
    fields: {
      identityDomain: DOMAIN,
      serviceName: SERVICE_NAME,
      confirm: { kind: 'custom', required: true, types: ['string'], invalid: fc.string({ maxLength: 60 }).filter((v) => v !== 'never-built') },
      deleteBackup: bool,
      ...WHO,
      timeouts: TIMEOUTS,
    },
  },
  {
    type: 'rollingPatch',
    valid: {
      identityDomain: 'baddomain',
      patchId: '12201-190416',
      services: ['db-01', 'db-02'],
      version: '12.2.0.1',
      maxParallel: 2,
      canary: true,
      soakSeconds: 0,
      healthTimeoutSeconds: 60,
      failurePolicy: 'halt',
      failureBudget: 0,
      precheckPolicy: 'exclude',
      approval: 'none',
      maintenanceWindow: { days: ['Sat', 'Sun'], startHour: 22, endHour: 4 },
      busyWaitSeconds: 60,
      busyRetrySeconds: { initial: 5, max: 60 },
      forceApply: false,
      estimatedPatchMinutes: 30,
      contacts: [{ url: 'http://127.0.0.1:9/hook', services: ['db-01'] }],
      continueAsNewAfterEvents: 3000,
      dryRun: true,
      requestedBy: 'bad-input-test',
      ticket: 'BAD-1',
      timeouts: { jobMinutes: 30 },
    },
    fields: {
      identityDomain: DOMAIN,
      patchId: str({ required: true, min: 1, max: 100, allowed: /^[A-Za-z0-9][A-Za-z0-9._-]*$/ }),
      services: { kind: 'array', min: 1, max: 5000, unique: true, of: SERVICE_NAME },
      version: str({ max: 30, allowed: /^\d+(\.\d+)*$/ }),
      maxParallel: int(1, 200),
      canary: bool,
      soakSeconds: int(0, 86_400),
      healthTimeoutSeconds: int(1, 86_400),
      failurePolicy: en(['halt', 'rollback', 'continue']),
      failureBudget: int(0, Number.MAX_SAFE_INTEGER),
      precheckPolicy: en(['exclude', 'stop']),
      approval: en(['none', 'first', 'each']),
      maintenanceWindow: obj({ days: { kind: 'array', min: 1, of: en(DAYS) }, startHour: int(0, 23, { required: true }), endHour: int(1, 24, { required: true }) }),
      busyWaitSeconds: int(0, 86_400),
      busyRetrySeconds: obj({ initial: int(1, 3600), max: int(1, 3600) }),
      forceApply: bool,
      estimatedPatchMinutes: { kind: 'number', min: 0, max: Number.MAX_VALUE },
      contacts: CONTACTS,
      continueAsNewAfterEvents: int(20, 40_000),
      dryRun: bool,
      ...WHO,
      timeouts: TIMEOUTS,
    },
  },
  {
    type: 'maintainService',
    valid: {
      identityDomain: 'baddomain',
      serviceName: 'never-built',
      desired: { status: 'Running', shape: 'oc3', minStorageGb: 25 },
      passIntervalSeconds: 60,
      healthTimeoutSeconds: 600,
      restartLimit: 3,
      contacts: [{ url: 'https://example.com/hook' }],
      requestedBy: 'bad-input-test',
      ticket: 'BAD-1',
    },
    fields: {
      identityDomain: DOMAIN,
      serviceName: SERVICE_NAME,
      desired: obj({ status: en(['Running', 'Stopped']), shape: en(SHAPE_NAMES), minStorageGb: int(15, 4096) }),
      passIntervalSeconds: int(1, 86_400),
      healthTimeoutSeconds: int(0, 86_400),
      restartLimit: int(1, 100),
      contacts: CONTACTS,
      ...WHO,
    },
  },
];

export const specOf = (type: WorkflowSpec['type']): WorkflowSpec => WORKFLOW_SPECS.find((s) => s.type === type)!;

// ---------------------------------------------------------------------------------------------------
// Hostile values.

/** Keys that have tripped JavaScript code before. */
const NASTY_KEYS = ['__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', '__defineGetter__', '', ' ', '💥', '\u0000', 'a.b', '$where'];

/** An object with an own `__proto__` key (as JSON.parse makes one), a `constructor` key, and nested garbage. */
export const garbageObject: fc.Arbitrary<Json> = fc
  .tuple(
    fc.dictionary(fc.oneof(fc.constantFrom(...NASTY_KEYS), fc.string({ maxLength: 12, unit: 'binary' })), fc.jsonValue({ maxDepth: 3 }) as fc.Arbitrary<Json>, { maxKeys: 6, noNullPrototype: true }),
    fc.boolean(),
  )
  .map(([o, withProto]) => JSON.parse(withProto ? `{"__proto__":{"polluted":true,"isAdmin":true},"constructor":{"prototype":{"polluted":true}},${JSON.stringify(o).slice(1)}`.replace(/,}$/, '}') : JSON.stringify(o)) as Json);

/** Strings a schema's length or character rules refuse depend on the field; these are hostile anywhere. */
const hostileChars = fc.constantFrom('/', '\\', ' ', ':', '..', '%2F', '\u0000', '\n', '\u202e', '💥', 'ä', 'İ', '\uFEFF', "'", '"', '<', '>', '${', '`');

/** A string long enough to hurt, of 1,000 to `max` characters. */
export const hugeStringUpTo = (max: number) => fc.tuple(fc.integer({ min: 1_000, max }), fc.constantFrom('A', 'é', '💥', 'x9')).map(([n, c]) => c.repeat(Math.ceil(n / c.length)));
/** Up to 64 KiB: far past every limit of a field, while 1,000 inputs stay a few MB of history. */
export const hugeString = hugeStringUpTo(64 * 1024);

/** A value of another JSON type than the ones the field accepts. */
function otherType(accepts: JsonType[]): fc.Arbitrary<Json> {
  const all: Record<JsonType, fc.Arbitrary<Json>> = {
    string: fc.oneof(fc.string({ maxLength: 20 }), fc.constantFrom('1', 'true', 'null', '{}', '[]', 'NaN')),
    number: fc.oneof(fc.integer(), fc.double({ noNaN: true, noDefaultInfinity: true }), fc.constantFrom(0, -1, 1e308, -0)),
    boolean: fc.boolean(),
    null: fc.constant(null),
    array: fc.array(fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>, { maxLength: 4 }),
    object: garbageObject,
  };
  const others = (Object.keys(all) as JsonType[]).filter((t) => !accepts.includes(t));
  return fc.oneof(...others.map((t) => all[t]));
}

function acceptedTypes(spec: FieldSpec): JsonType[] {
  switch (spec.kind) {
    case 'string':
    case 'enum':
      return ['string'];
    case 'int':
      return spec.numericStrings ? ['number', 'string'] : ['number'];
    case 'number':
      return ['number'];
    case 'boolean':
      return ['boolean'];
    case 'array':
      return ['array'];
    case 'object':
      return ['object'];
    case 'custom':
      return spec.types;
  }
}

/** Values of the right type that break the field's own rule. */
function ruleBreakers(spec: FieldSpec): fc.Arbitrary<Json>[] {
  switch (spec.kind) {
    case 'string': {
      const out: fc.Arbitrary<Json>[] = [];
      if (spec.min !== undefined && spec.min > 0) out.push(fc.constant(''));
      if (spec.max !== undefined) out.push(fc.integer({ min: spec.max + 1, max: spec.max + 300 }).map((n) => 'a'.repeat(n)), hugeString.filter((s) => s.length > spec.max!));
      if (spec.allowed) {
        const allowed = spec.allowed;
        const max = spec.max ?? 1000;
        out.push(
          fc
            .tuple(fc.stringMatching(/^[A-Za-z][A-Za-z0-9]{0,6}$/), hostileChars, fc.stringMatching(/^[a-z0-9]{0,4}$/))
            .map(([a, c, b]) => `${a}${c}${b}`)
            .filter((v) => v.length <= max && !allowed.test(v)),
          fc.string({ minLength: 1, maxLength: 20, unit: 'binary' }).filter((v) => v.length <= max && !allowed.test(v)),
          fc.constantFrom('__proto__', 'constructor', '../../etc/passwd', '-leading-hyphen', '9starts-with-digit', 'trailing-', 'has space', 'a:b').filter((v) => v.length <= max && !allowed.test(v)),
        );
      }
      if (spec.refuse) out.push(spec.refuse);
      return out;
    }
    case 'enum': {
      const known = new Set(spec.values.map((v) => (spec.caseInsensitive ? v.toLowerCase() : v)));
      const isKnown = (v: string) => known.has(spec.caseInsensitive ? v.toLowerCase() : v);
      return [
        fc.string({ maxLength: 20 }).filter((v) => !isKnown(v)),
        // Case and look-alike variants of a valid value (Cyrillic а and о, a trailing space, a zero-width space).
        fc
          .tuple(fc.constantFrom(...spec.values), fc.constantFrom('upper', 'lower', 'space', 'zw', 'cyr'))
          .map(([v, how]) => (how === 'upper' ? v.toUpperCase() : how === 'lower' ? v.toLowerCase() : how === 'space' ? `${v} ` : how === 'zw' ? `${v}\u200b` : v.replace(/a/g, 'а').replace(/o/g, 'о')))
          .filter((v) => !isKnown(v)),
        hugeString,
      ];
    }
    case 'int':
    case 'number': {
      const out: fc.Arbitrary<Json>[] = [];
      if (spec.min > -Number.MAX_SAFE_INTEGER) out.push(fc.integer({ min: -1_000_000, max: Math.ceil(spec.min) - 1 }), fc.constant(-1e308));
      if (spec.max < Number.MAX_SAFE_INTEGER) out.push(fc.integer({ min: Math.floor(spec.max) + 1, max: Math.floor(spec.max) + 1_000_000 }), fc.constant(1e308));
      if (spec.kind === 'int') {
        out.push(fc.double({ min: Math.max(spec.min, -1e6), max: Math.min(spec.max, 1e6), noNaN: true }).filter((d) => !Number.isInteger(d)));
        if (spec.numericStrings) out.push(fc.constantFrom('12.5', '1e3', '0x10', ' 20', '20GB', '', '١٢'));
      }
      if (spec.kind === 'number' && spec.min === 0.05) out.push(fc.constant(0.01));
      return out;
    }
    case 'array': {
      const out: fc.Arbitrary<Json>[] = [];
      if (spec.min !== undefined && spec.min > 0) out.push(fc.constant([]));
      if (spec.max !== undefined && spec.max < 100) out.push(fc.constant(Array.from({ length: spec.max + 1 }, (_, i) => (spec.of.kind === 'object' ? { url: `https://example.com/${i}` } : `x${i}`)) as Json));
      if (spec.max !== undefined && spec.max >= 100) out.push(fc.constant(Array.from({ length: spec.max + 1 }, (_, i) => `svc-${i}`)));
      if (spec.unique) out.push(fc.constant(['dup-a', 'dup-b', 'dup-a']));
      return out;
    }
    case 'object':
      return [];
    case 'boolean':
      return [];
    case 'custom':
      return [spec.invalid];
  }
}

/** A field worth mutating, with its spec and dotted path, anywhere in the tree of a valid input. */
interface Site {
  path: (string | number)[];
  spec: FieldSpec;
}

function sites(fields: Record<string, FieldSpec>, value: Record<string, Json>, path: (string | number)[] = []): Site[] {
  const out: Site[] = [];
  for (const [name, spec] of Object.entries(fields)) {
    const p = [...path, name];
    out.push({ path: p, spec });
    const v = value[name];
    if (spec.kind === 'object' && v && typeof v === 'object' && !Array.isArray(v)) out.push(...sites(spec.fields, v, p));
    if (spec.kind === 'array' && Array.isArray(v) && v.length > 0) {
      out.push({ path: [...p, 0], spec: spec.of });
      const first = v[0];
      if (spec.of.kind === 'object' && first && typeof first === 'object' && !Array.isArray(first)) out.push(...sites(spec.of.fields, first, [...p, 0]));
    }
  }
  return out;
}

/** Whether a whole object of this spec, replaced by garbage, is certainly invalid (a required field, or strict). */
function garbageIsInvalid(spec: FieldSpec): boolean {
  return spec.kind === 'object' && (spec.strict === true || Object.values(spec.fields).some((f) => f.required));
}

export interface BadCase {
  type: WorkflowSpec['type'];
  input: Json;
  /** The dotted path of the bad field; '(input)' for the input as a whole. */
  field: string;
  /** How it was made invalid. */
  how: string;
}

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

function setAt(root: Json, path: (string | number)[], mutate: (parent: Record<string, Json> | Json[], key: string | number) => void): Json {
  const copy = clone(root);
  let node = copy as Record<string, Json> | Json[];
  for (const key of path.slice(0, -1)) node = (node as Record<string, Json>)[key as string] as Record<string, Json>;
  mutate(node, path.at(-1)!);
  return copy;
}

/** One way to make one field of the spec's valid input invalid. */
function mutations(spec: WorkflowSpec, site: Site): fc.Arbitrary<BadCase>[] {
  const field = site.path.join('.');
  const put = (how: string) => (value: Json): BadCase => ({ type: spec.type, field, how, input: setAt(spec.valid, site.path, (parent, key) => ((parent as Record<string, Json>)[key as string] = value)) });
  const out: fc.Arbitrary<BadCase>[] = [otherType(acceptedTypes(site.spec)).map(put('wrong type'))];
  for (const breaker of ruleBreakers(site.spec)) out.push(breaker.map(put('breaks its rule')));
  // Garbage in place of an object: its required fields missing, and (for a strict one) keys it does not know.
  if (site.spec.kind === 'object' && garbageIsInvalid(site.spec)) out.push(garbageObject.map((g) => put('nested garbage')({ ...(g as Record<string, Json>), zzGarbage: { nested: [{ deeper: {} }] } })));
  const inObject = typeof site.path.at(-1) === 'string';
  if (site.spec.required && inObject) {
    out.push(fc.constant({ type: spec.type, field, how: 'missing', input: setAt(spec.valid, site.path, (parent, key) => delete (parent as Record<string, Json>)[key as string]) }));
    // The required field given only under __proto__ (an own key, as JSON.parse makes it): still missing.
    out.push(
      fc.constant(null).map(() => {
        const input = setAt(spec.valid, site.path, (parent, key) => {
          const p = parent as Record<string, Json>;
          const value = p[key as string]!;
          delete p[key as string];
          Object.defineProperty(p, '__proto__', { value: { [key as string]: value }, enumerable: true, configurable: true, writable: true });
        });
        return { type: spec.type, field, how: 'smuggled under __proto__', input: JSON.parse(JSON.stringify(input)) as Json };
      }),
    );
  }
  return out;
}

/** Generated invalid inputs of one workflow: one bad field each (or the whole input of the wrong type). */
export function invalidInputs(type: WorkflowSpec['type']): fc.Arbitrary<BadCase> {
  const spec = specOf(type);
  const perSite = sites(spec.fields, spec.valid).map((site) => fc.oneof(...mutations(spec, site)));
  const whole = otherType(['object']).map((input): BadCase => ({ type, field: '(input)', how: 'not an object', input }));
  return fc.oneof({ arbitrary: fc.oneof(...perSite), weight: 30 }, { arbitrary: whole, weight: 1 });
}

/** `count` cases, the same on every run (the seed), printed by index when a check fails. */
export function sampleCases(type: WorkflowSpec['type'], count: number, seed = BAD_INPUT_SEED): BadCase[] {
  return fc.sample(invalidInputs(type), { seed, numRuns: count });
}

// ---------------------------------------------------------------------------------------------------
// Checks.

const escapeRegExp = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Whether the message has an issue at the field or under it: `field: …` or `field.sub: …`. */
export function namesField(message: string, field: string): boolean {
  if (field === '(input)') return /(^|[:;] )\(input\): /.test(message);
  return new RegExp(`(^|[:;(,] )${escapeRegExp(field)}(\\.[^:;]*)?: `).test(message);
}

/** Strings of the input long enough that seeing them in an error means the error echoes the input. */
export function longStrings(value: unknown, min = 300): string[] {
  const out: string[] = [];
  const walk = (v: unknown) => {
    if (typeof v === 'string') {
      if (v.length >= min) out.push(v);
    } else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === 'object') Object.values(v).forEach(walk);
  };
  walk(value);
  return out;
}

/** A short, printable form of a case for a failure message (huge strings cut). */
export function showCase(c: BadCase, index?: number): string {
  const json = JSON.stringify(c.input, (_k, v: unknown) => (typeof v === 'string' && v.length > 80 ? `${v.slice(0, 40)}…(${v.length} chars)` : v));
  return `case${index === undefined ? '' : ` #${index}`} (seed ${BAD_INPUT_SEED}) ${c.type} field ${c.field} (${c.how}): ${json.length > 600 ? `${json.slice(0, 600)}…` : json}`;
}

/** Runs fn over items with at most `limit` at a time; resolves with the results in order. */
export async function mapLimit<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]!, i);
    }
  });
  await Promise.all(workers);
  return results;
}

/** An answer the proxy gives itself instead of forwarding (a malformed one, say). */
export type ProxyAnswer = (res: http.ServerResponse) => void;

export interface CountingProxy {
  url: string;
  /** `METHOD path` of every request that reached the proxy, forwarded or answered by an override. */
  requests: string[];
  /** Requests whose path contains a key are answered by its override instead of the cloud. */
  overrides: Map<string, ProxyAnswer>;
  reset(): void;
  close(): Promise<void>;
}

/** A proxy in front of the cloud API that counts every request reaching it (whatever the route). */
export async function countingProxy(target: string): Promise<CountingProxy> {
  const upstream = new URL(target);
  const requests: string[] = [];
  const overrides = new Map<string, ProxyAnswer>();
  const server = http.createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const override = [...overrides.entries()].find(([key]) => (req.url ?? '').includes(key))?.[1];
    if (override) {
      req.resume();
      res.on('error', () => undefined);
      return override(res);
    }
    const forward = http.request({ host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    });
    forward.on('error', () => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
    req.pipe(forward);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    overrides,
    reset: () => void requests.splice(0),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

// ---------------------------------------------------------------------------------------------------
// Arguments of updates and signals.

/** An invalid argument of a control message (`{ by?, reason? }` or `{ reason? }`), with the field it breaks. */
export function badControlArgument(fields: string[], longest = 200_000): fc.Arbitrary<{ arg: Json; field: string }> {
  return fc.oneof(
    fc.oneof(fc.constant(null), fc.string({ maxLength: 30 }), fc.integer(), fc.boolean(), fc.array(fc.jsonValue({ maxDepth: 2 }) as fc.Arbitrary<Json>, { maxLength: 3 })).map((arg) => ({ arg, field: '(input)' })),
    fc.tuple(fc.constantFrom(...fields), fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), garbageObject, fc.array(fc.string({ maxLength: 10 }), { maxLength: 3 }))).map(([f, v]) => ({ arg: { [f]: v }, field: f })),
    fc.tuple(fc.constantFrom(...fields), fc.integer({ min: 1001, max: longest })).map(([f, n]) => ({ arg: { [f]: 'r'.repeat(n) }, field: f })),
    fc.constantFrom('reasn', 'requestedBy', '__proto__', 'constructor', 'shape').map((k) => ({ arg: JSON.parse(`{"${k}": {"polluted": true}}`) as Json, field: '(input)' })),
  );
}

/** An invalid desired state for setDesired: a bad value of one of its fields (strings up to `longest`). */
export const badDesiredFieldUpTo = (longest: number): fc.Arbitrary<{ arg: Json; field: string }> => fc.oneof(
  fc.constantFrom<[string, Json]>(['status', 'running'], ['status', 'Deleted'], ['status', 3], ['shape', 'oc99'], ['shape', 'OC3'], ['minStorageGb', 14], ['minStorageGb', 4097], ['minStorageGb', 20.5], ['minStorageGb', '100'], ['minStorageGb', -1e308]).map(([f, v]) => ({ arg: { [f]: v }, field: f })),
  fc.tuple(fc.constantFrom('status', 'shape', 'minStorageGb'), fc.oneof(garbageObject, fc.constant(null), hugeStringUpTo(longest), fc.array(fc.integer(), { maxLength: 3 }))).map(([f, v]) => ({ arg: { [f]: v }, field: f })),
  fc.tuple(fc.constantFrom('status', 'shape'), fc.string({ maxLength: 12 }).filter((v) => !['Running', 'Stopped', ...SHAPE_NAMES].includes(v))).map(([f, v]) => ({ arg: { [f]: v }, field: f })),
);
export const badDesiredField = badDesiredFieldUpTo(64 * 1024);

/** Not a desired state at all: not an object, or only fields it does not have. */
export const notADesiredState: fc.Arbitrary<{ arg: Json; field: string }> = fc.oneof(
  fc.oneof(fc.constant(null), fc.string({ minLength: 1, maxLength: 20 }), fc.integer(), fc.boolean(), fc.array(fc.string(), { maxLength: 3 })).map((arg) => ({ arg, field: '(input)' })),
  fc.constantFrom('shap', 'Status', 'min_storage', 'minStorage', '__proto__').map((k) => ({ arg: JSON.parse(`{"${k}": "oc4"}`) as Json, field: '(input)' })),
);
