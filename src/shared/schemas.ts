// zod schemas of every workflow input and output. Shared by the CLI, the workflows and the tests.
import { z } from 'zod';
import { createRequestViolations } from './dbcs-rules';
import { DB_VERSIONS, EDITIONS, LEVELS, SHAPE_NAMES } from './shapes';
import { waitTimeoutsSchema } from './deadlines';

const yesNo = z.enum(['yes', 'no']);
/** DBCS sends sizes as strings; accept a number too and normalise to the API's string form. */
const gbString = z.union([z.string().regex(/^\d+$/, 'must be a whole number of GB'), z.number().int().nonnegative()]).transform(String);

export const identityDomainSchema = z
  .string()
  .min(1, 'is required')
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be an identity domain name or idcs-<id> (letters, digits, . _ -)');

export const serviceNameSchema = z.string().min(1, 'is required').max(50);

export const dbParametersSchema = z
  .object({
    type: z.literal('db'),
    usableStorage: gbString,
    adminPassword: z.string().min(1, 'is required'),
    sid: z.string().regex(/^[A-Za-z][A-Za-z0-9]{0,7}$/, 'must be 1-8 letters or digits, starting with a letter').optional(),
    pdbName: z.string().regex(/^[A-Za-z][A-Za-z0-9_]{0,29}$/, 'must start with a letter; letters, digits and _ only').optional(),
    backupDestination: z.enum(['BOTH', 'OSS', 'NONE']),
    cloudStorageContainer: z.string().optional(),
    cloudStorageUser: z.string().optional(),
    cloudStoragePwd: z.string().optional(),
    charset: z.string().optional(),
    ncharset: z.enum(['AL16UTF16', 'UTF8']).optional(),
    timezone: z.string().optional(),
    isRac: yesNo.optional(),
    failoverDatabase: yesNo.optional(),
    disasterRecovery: yesNo.optional(),
    goldenGate: yesNo.optional(),
  })
  .passthrough();

export const serviceSpecSchema = z
  .object({
    serviceName: serviceNameSchema,
    version: z.enum(DB_VERSIONS),
    level: z.enum(LEVELS),
    edition: z.enum(EDITIONS),
    subscriptionType: z.enum(['HOURLY', 'MONTHLY']),
    shape: z.enum(SHAPE_NAMES, { errorMap: () => ({ message: `must be one of ${SHAPE_NAMES.join(', ')}` }) }),
    vmPublicKeyText: z.string().regex(/^(ssh-(rsa|ed25519|dss)|ecdsa-sha2-\S+) \S+/, 'must be an SSH public key ("ssh-rsa AAAA... comment")'),
    description: z.string().max(1024).optional(),
    parameters: z.array(dbParametersSchema).optional(),
  })
  .passthrough()
  .superRefine((spec, ctx) => {
    for (const v of createRequestViolations(spec)) ctx.addIssue({ code: z.ZodIssueCode.custom, path: v.path, message: v.message });
  });

export type ServiceSpec = z.infer<typeof serviceSpecSchema>;

/** What every operation's input carries besides its own fields: who asked, the ticket, its own deadlines. */
const whoSchema = {
  requestedBy: z.string().max(200).optional(),
  ticket: z.string().max(200).optional(),
  timeouts: waitTimeoutsSchema.optional(),
};

export const buildServiceInputSchema = z.object({
  identityDomain: identityDomainSchema,
  service: serviceSpecSchema,
  ...whoSchema,
});
export type BuildServiceInput = z.input<typeof buildServiceInputSchema>;
export type ValidBuildServiceInput = z.output<typeof buildServiceInputSchema>;

/** What a finished build returns: the service as the API describes it (no secrets). */
export const serviceSummarySchema = z.object({
  serviceName: z.string(),
  identityDomain: z.string(),
  status: z.string(),
  shape: z.string().optional(),
  version: z.string().optional(),
  edition: z.string().optional(),
  connectDescriptor: z.string().optional(),
  creationJobId: z.string().optional(),
  serviceUri: z.string().optional(),
  usableStorageGb: z.number().optional(),
  fraStorageGb: z.number().optional(),
  additionalVolumesGb: z.array(z.number()).optional(),
  /** The release the database runs (e.g. 12.2.0.1.190416 once patched). */
  patchLevel: z.string().optional(),
});
export type ServiceSummary = z.infer<typeof serviceSummarySchema>;

/** The name of an existing service: the DBCS naming rules, without the create-time RAC limit. */
export const existingServiceNameSchema = serviceNameSchema.regex(/^[A-Za-z][A-Za-z0-9-]*$/, 'must start with a letter and contain only letters, digits and hyphens');

export const STORAGE_STEP = { minGb: 1, maxGb: 1024 } as const;

export const scaleServiceInputSchema = z
  .object({
    identityDomain: identityDomainSchema,
    serviceName: existingServiceNameSchema,
    shape: z.enum(SHAPE_NAMES, { errorMap: () => ({ message: `must be one of ${SHAPE_NAMES.join(', ')}` }) }).optional(),
    /** GB to add. Storage only grows: a volume cannot be shrunk. */
    additionalStorage: z
      .union([z.string().regex(/^-?\d+$/, 'must be a whole number of GB'), z.number().int()])
      .transform(Number)
      .pipe(
        z
          .number()
          .min(STORAGE_STEP.minGb, `must be at least ${STORAGE_STEP.minGb} GB: storage can only grow, it cannot be shrunk`)
          .max(STORAGE_STEP.maxGb, `must be at most ${STORAGE_STEP.maxGb} GB per request`),
      )
      .optional(),
    /** data: grow the data volume; fra: grow the recovery volume; absent: attach a new volume. */
    usage: z.enum(['data', 'fra']).optional(),
    ...whoSchema,
  })
  .superRefine((v, ctx) => {
    if (v.shape === undefined && v.additionalStorage === undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['shape'], message: 'give a shape, an additionalStorage, or both' });
    if (v.usage !== undefined && v.additionalStorage === undefined) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['usage'], message: 'applies only with additionalStorage' });
  });
export type ScaleServiceInput = z.input<typeof scaleServiceInputSchema>;

export const LIFECYCLE_STATES = ['stop', 'start', 'restart'] as const;
export type LifecycleState = (typeof LIFECYCLE_STATES)[number];

export const changeLifecycleInputSchema = z
  .object({
    identityDomain: identityDomainSchema,
    serviceName: existingServiceNameSchema,
    lifecycleState: z.preprocess((v) => (typeof v === 'string' ? v.toLowerCase() : v), z.enum(LIFECYCLE_STATES, { errorMap: () => ({ message: 'must be stop, start or restart' }) })),
    /** One compute node (e.g. vm-2 of a RAC service); absent: the whole service. */
    vmName: z
      .string()
      .min(1)
      .max(64)
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'must be a VM name such as vm-2 (letters, digits, . _ -)')
      .optional(),
    /** Minutes the cloud may take (1-300, default 60). */
    lifecycleTimeout: z.number().int().min(1).max(300).optional(),
    /** A restart that recovers a service stuck in another status than Running (maintainService's recovery). */
    recovery: z.boolean().optional(),
    ...whoSchema,
  })
  .superRefine((v, ctx) => {
    if (v.recovery && v.lifecycleState !== 'restart') ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['recovery'], message: `only a restart can be a recovery (got ${v.lifecycleState})` });
  });
export type ChangeLifecycleInput = z.input<typeof changeLifecycleInputSchema>;

export const deleteServiceInputSchema = z
  .object({
    identityDomain: identityDomainSchema,
    serviceName: existingServiceNameSchema,
    /** The service name again: a stray call cannot destroy a database. */
    confirm: z.string({ required_error: 'is required: repeat the service name to confirm the deletion' }),
    deleteBackup: z.boolean().optional(),
    ...whoSchema,
  })
  .superRefine((v, ctx) => {
    if (v.confirm !== v.serviceName) ctx.addIssue({ code: z.ZodIssueCode.custom, path: ['confirm'], message: `must repeat the service name exactly ("${v.serviceName}") to confirm the deletion` });
  });
export type DeleteServiceInput = z.input<typeof deleteServiceInputSchema>;

/** What scale, lifecycle and delete return: the service before and after (after is null once deleted). */
export interface OperationResult {
  before: ServiceSummary;
  after: ServiceSummary | null;
  jobIds: string[];
  durationMs: number;
  /** For a lifecycle change of one VM: its status before and after. */
  vm?: { vmName: string; statusBefore: string; statusAfter?: string };
}

export interface BuildServiceResult {
  service: ServiceSummary;
  jobId: string;
  durationMs: number;
}

/** At most this many issues are listed; the rest are counted. */
const MAX_ISSUES = 20;
/** Longest message of one issue, and longest path segment (record keys come from the input). */
const MAX_ISSUE_MESSAGE = 300;
const MAX_PATH_SEGMENT = 64;

/** Control characters and line separators shown escaped, and the text cut to `max` characters. */
function printable(text: string, max: number): string {
  // eslint-disable-next-line no-control-regex
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}

/** One issue's message, with zod's defaults that quote the input (enum values, unknown keys) replaced. */
function issueMessage(issue: z.ZodIssue): string {
  if (issue.code === z.ZodIssueCode.invalid_enum_value && issue.message.startsWith('Invalid enum value')) {
    return `must be one of ${issue.options.map(String).join(', ')}`;
  }
  if (issue.code === z.ZodIssueCode.unrecognized_keys) {
    const shown = issue.keys.slice(0, 5).map((k) => JSON.stringify(printable(k, MAX_PATH_SEGMENT)));
    return `unknown field${issue.keys.length > 1 ? 's' : ''} ${shown.join(', ')}${issue.keys.length > 5 ? ` and ${issue.keys.length - 5} more` : ''}`;
  }
  return printable(issue.message, MAX_ISSUE_MESSAGE);
}

/** The dotted path of an issue: `service.parameters.0.usableStorage`, or `(input)` for the whole input. */
export function issuePath(issue: Pick<z.ZodIssue, 'path'>, prefix = ''): string {
  const path = [prefix, ...issue.path.map((p) => printable(String(p), MAX_PATH_SEGMENT))].filter(Boolean).join('.');
  return path || '(input)';
}

/**
 * Formats zod issues as `field.path: message; ...` without ever echoing input values: zod's enum
 * message (which quotes what it received) is replaced, every message and path segment is bounded and
 * shows control characters escaped, and past MAX_ISSUES issues the rest are only counted.
 */
export function describeZodError(error: z.ZodError, prefix = ''): string {
  const shown = error.issues.slice(0, MAX_ISSUES).map((i) => `${issuePath(i, prefix)}: ${issueMessage(i)}`);
  const more = error.issues.length - MAX_ISSUES;
  return more > 0 ? `${shown.join('; ')}; … and ${more} more` : shown.join('; ');
}
