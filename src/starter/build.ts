// `dbaas build <spec.json>`: validates the spec, asks for the admin password (environment or prompt,
// never a flag), starts buildService under the service's workflow id, and optionally watches it.
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { buildServiceInputSchema, type BuildServiceResult, type ServiceSummary } from '../shared/schemas';
import { CliError, EXIT } from './exit-codes';
import { promptSecret } from './prompt';
import { runOperation, type RunOptions } from './run-operation';
import { checkArg, invalidInput } from './validation';
import { applicationNameSchema, withApplicationTag } from '../reports/applications';

export interface BuildOptions extends RunOptions {
  domain?: string;
  requestedBy?: string;
  ticket?: string;
  /** Tags the service with an application (in its DBCS description): `dbaas report` groups cost by it. */
  application?: string;
}

/** --application NAME: the spec's description gains `application:NAME` (refused when it names another). */
export function withApplication(spec: Record<string, unknown>, application: string | undefined, file: string): Record<string, unknown> {
  if (application === undefined) return spec;
  const name = checkArg('--application', applicationNameSchema, application);
  const service = (spec.service && typeof spec.service === 'object' ? spec.service : {}) as Record<string, unknown>;
  const description = typeof service.description === 'string' ? service.description : undefined;
  try {
    return { ...spec, service: { ...service, description: withApplicationTag(description, name) } };
  } catch (err) {
    throw new CliError(`--application: spec ${file}: ${(err as Error).message}`, EXIT.invalid);
  }
}

export const PASSWORD_ENV = 'DBAAS_ADMIN_PASSWORD';

/** Reads the spec: either a whole buildService input or just the DBCS create body (then --domain). */
export function readSpec(file: string, options: BuildOptions): Record<string, unknown> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : err instanceof SyntaxError ? `not valid JSON (${err.message})` : String(err);
    throw new CliError(`spec ${file}: ${reason}`, EXIT.invalid);
  }
  if (!raw || typeof raw !== 'object' || Array.isArray(raw)) throw new CliError(`spec ${file}: must be a JSON object`, EXIT.invalid);
  const spec = raw as Record<string, unknown>;
  const input: Record<string, unknown> = 'service' in spec ? { ...spec } : { service: spec };
  const domain = options.domain ?? (input.identityDomain as string | undefined) ?? process.env.DBAAS_IDENTITY_DOMAIN;
  if (!domain) throw new CliError('no identity domain: give --domain, set DBAAS_IDENTITY_DOMAIN, or put identityDomain in the spec', EXIT.invalid);
  return { ...input, identityDomain: domain };
}

/** Puts the admin password into the spec. A password written in the spec file is refused. */
export async function withAdminPassword(input: Record<string, unknown>, file: string): Promise<Record<string, unknown>> {
  const service = (input.service ?? {}) as Record<string, unknown>;
  const params = Array.isArray(service.parameters) ? (service.parameters as Record<string, unknown>[]) : undefined;
  if (params?.some((p) => p && typeof p === 'object' && 'adminPassword' in p)) {
    throw new CliError(`spec ${file}: remove adminPassword from the file (secrets do not belong in spec files); set ${PASSWORD_ENV} or answer the prompt`, EXIT.invalid);
  }
  if (!params || params.length === 0) return input; // BASIC level: no database, no password
  let password = process.env[PASSWORD_ENV];
  if (!password) {
    if (!process.stdin.isTTY) throw new CliError(`the admin password is needed: set ${PASSWORD_ENV} (no terminal to prompt on)`, EXIT.invalid);
    password = await promptSecret('Database admin password');
  }
  return { ...input, service: { ...service, parameters: params.map((p, i) => (i === 0 ? { ...p, adminPassword: password } : p)) } };
}

export function summaryLine(s: ServiceSummary): string {
  return `[${s.serviceName}] is ${s.status} (shape ${s.shape ?? '?'}, version ${s.version ?? '?'})${s.connectDescriptor ? `; connect: ${s.connectDescriptor}` : ''}`;
}

export async function buildCommand(file: string, options: BuildOptions): Promise<number> {
  const spec = withApplication(readSpec(file, options), options.application, file);
  const input = await withAdminPassword(
    { ...spec, requestedBy: options.requestedBy ?? (spec.requestedBy as string | undefined) ?? os.userInfo().username, ticket: options.ticket ?? spec.ticket },
    file,
  );
  const parsed = buildServiceInputSchema.safeParse(input);
  if (!parsed.success) throw invalidInput(`spec ${file}`, parsed.error, { identityDomain: '--domain', requestedBy: '--requested-by', ticket: '--ticket', service: '<spec>' });
  const { identityDomain, service } = parsed.data;
  return runOperation('buildService', { identityDomain, serviceName: service.serviceName }, input, options, {
    doing: 'Building',
    done: (result) => {
      const r = result as BuildServiceResult;
      return `${summaryLine(r.service)} (${(r.durationMs / 1000).toFixed(1)} s)`;
    },
  });
}
