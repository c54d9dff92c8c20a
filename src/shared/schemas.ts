// zod schemas of every workflow input and output. Shared by the CLI, the workflows and the tests.
import { z } from 'zod';
import { createRequestViolations } from './dbcs-rules';
import { DB_VERSIONS, EDITIONS, LEVELS, SHAPE_NAMES } from './shapes';

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

const whoSchema = {
  requestedBy: z.string().max(200).optional(),
  ticket: z.string().max(200).optional(),
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
});
export type ServiceSummary = z.infer<typeof serviceSummarySchema>;

export interface BuildServiceResult {
  service: ServiceSummary;
  jobId: string;
  durationMs: number;
}

/** Formats zod issues as `field.path: message; ...` without ever echoing input values. */
export function describeZodError(error: z.ZodError, prefix = ''): string {
  return error.issues
    .map((i) => {
      const path = [prefix, ...i.path.map(String)].filter(Boolean).join('.');
      return `${path || '(input)'}: ${i.message}`;
    })
    .join('; ');
}
