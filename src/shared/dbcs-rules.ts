// Validation rules of the DBCS create request (reference/dbcs-api.md §2.1), as plain functions so the
// zod schemas (client side) and the simulator (server side) apply exactly the same rules.

export interface RuleViolation {
  /** Dotted path of the offending field, e.g. `parameters.0.adminPassword`. */
  readonly path: (string | number)[];
  readonly message: string;
}

const NAME_PATTERN = /^[A-Za-z][A-Za-z0-9-]*$/;
const PASSWORD_ALLOWED = /^[A-Za-z0-9$#_]+$/;

export const LIMITS = {
  serviceNameMax: 50,
  racServiceNameMax: 15,
  usableStorageMinGb: 15,
  usableStorageMaxGbWithCloudBackup: 1200,
  usableStorageMaxGb: 2048,
  passwordMin: 8,
  passwordMax: 30,
} as const;

export function serviceNameViolations(name: string, isRac: boolean): string[] {
  const problems: string[] = [];
  const max = isRac ? LIMITS.racServiceNameMax : LIMITS.serviceNameMax;
  if (name.length === 0) problems.push('is required');
  if (name.length > max) problems.push(`must be at most ${max} characters${isRac ? ' for a RAC database' : ''} (got ${name.length})`);
  if (name.length > 0 && !NAME_PATTERN.test(name)) problems.push('must start with a letter and contain only letters, digits and hyphens');
  if (name.endsWith('-')) problems.push('must not end with a hyphen');
  return problems;
}

/** Never includes the password itself in a message. */
export function adminPasswordViolations(password: string): string[] {
  const problems: string[] = [];
  if (password.length < LIMITS.passwordMin || password.length > LIMITS.passwordMax) {
    problems.push(`must be ${LIMITS.passwordMin} to ${LIMITS.passwordMax} characters long`);
  }
  if (!/^[A-Za-z]/.test(password)) problems.push('must start with a letter');
  if (!/[0-9]/.test(password)) problems.push('must contain at least one digit');
  if (!PASSWORD_ALLOWED.test(password)) problems.push('may contain only letters, digits and the characters $ # _');
  return problems;
}

type Loose = Record<string, unknown>;
const isYes = (v: unknown) => typeof v === 'string' && v.toLowerCase() === 'yes';

/** Cross-field rules of a create request that a per-field schema cannot express. */
export function createRequestViolations(body: Loose): RuleViolation[] {
  const out: RuleViolation[] = [];
  const params = Array.isArray(body.parameters) ? (body.parameters as Loose[]) : [];
  const db = params[0] ?? {};
  const isRac = isYes(db.isRac);
  const level = body.level;

  if (typeof body.serviceName === 'string') {
    for (const m of serviceNameViolations(body.serviceName, isRac)) out.push({ path: ['serviceName'], message: m });
  }
  if (level !== 'BASIC' && params.length !== 1) {
    out.push({ path: ['parameters'], message: `must hold exactly one object of type "db" for level ${String(level)} (got ${params.length})` });
  }
  if (isRac && body.edition !== 'EE_EP') {
    out.push({ path: ['edition'], message: `a RAC database (isRac "yes") requires edition EE_EP (got ${String(body.edition)})` });
  }
  if (isRac && isYes(db.failoverDatabase)) out.push({ path: ['parameters', 0, 'failoverDatabase'], message: 'cannot be "yes" together with isRac "yes"' });
  if (isRac && isYes(db.goldenGate)) out.push({ path: ['parameters', 0, 'goldenGate'], message: 'cannot be "yes" together with isRac "yes"' });
  if (isYes(db.failoverDatabase) && isYes(db.goldenGate)) out.push({ path: ['parameters', 0, 'goldenGate'], message: 'cannot be "yes" together with failoverDatabase "yes"' });
  if (isYes(db.disasterRecovery) && !isYes(db.failoverDatabase)) out.push({ path: ['parameters', 0, 'disasterRecovery'], message: 'requires failoverDatabase "yes"' });

  if (db.usableStorage !== undefined) {
    const gb = Number(db.usableStorage);
    const max = db.backupDestination === 'BOTH' ? LIMITS.usableStorageMaxGbWithCloudBackup : LIMITS.usableStorageMaxGb;
    if (!Number.isInteger(gb)) out.push({ path: ['parameters', 0, 'usableStorage'], message: `must be a whole number of GB (got ${JSON.stringify(db.usableStorage)})` });
    else if (gb < LIMITS.usableStorageMinGb || gb > max) {
      out.push({ path: ['parameters', 0, 'usableStorage'], message: `must be between ${LIMITS.usableStorageMinGb} and ${max} GB with backupDestination ${String(db.backupDestination)} (got ${gb})` });
    }
  }
  if (typeof db.adminPassword === 'string') {
    for (const m of adminPasswordViolations(db.adminPassword)) out.push({ path: ['parameters', 0, 'adminPassword'], message: m });
  }
  if ((db.backupDestination === 'BOTH' || db.backupDestination === 'OSS') && !db.cloudStorageContainer) {
    out.push({ path: ['parameters', 0, 'cloudStorageContainer'], message: `is required when backupDestination is ${String(db.backupDestination)}` });
  }
  if (db.pdbName !== undefined && body.version === '11.2.0.4') {
    out.push({ path: ['parameters', 0, 'pdbName'], message: 'applies only to 12c and later (version 11.2.0.4 has no pluggable databases)' });
  }
  return out;
}

export function formatViolations(violations: readonly RuleViolation[]): string {
  return violations.map((v) => `${v.path.join('.')}: ${v.message}`).join('; ');
}
