// Argument checks of the dbaas CLI: every bad argument ends with exit code 2 and a message that names
// the option (and the input field it fills) before anything connects to Temporal or the cloud.
import type { z } from 'zod';
import { describeZodError, existingServiceNameSchema, identityDomainSchema } from '../shared/schemas';
import { CliError, EXIT } from './exit-codes';

/** Input field (dotted path, or its first segments) → the option or argument that fills it. */
export type FlagMap = Record<string, string>;

/** Options every operation command has. */
export const COMMON_FLAGS: FlagMap = { identityDomain: '--domain', requestedBy: '--requested-by', ticket: '--ticket', serviceName: '<service>' };

/** The option behind an issue's path: the longest prefix of the path the map knows. */
function flagOf(path: (string | number)[], flags: FlagMap): string | undefined {
  for (let n = path.length; n > 0; n--) {
    const flag = flags[path.slice(0, n).map(String).join('.')];
    if (flag) return flag;
  }
  return undefined;
}

/** `invalid <what> (--storage, --usage): additionalStorage: …; usage: …` */
export function invalidInput(what: string, error: z.ZodError, flags: FlagMap): CliError {
  const named = [...new Set(error.issues.map((i) => flagOf(i.path, flags)).filter((f): f is string => f !== undefined))];
  return new CliError(`invalid ${what}${named.length ? ` (${named.join(', ')})` : ''}: ${describeZodError(error)}`, EXIT.invalid);
}

/** Parses with the schema, or throws the CLI's invalid-input error naming each bad option. */
export function validatedFor<S extends z.ZodTypeAny>(what: string, schema: S, input: unknown, flags: FlagMap): z.output<S> {
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw invalidInput(what, parsed.error, flags);
  return parsed.data;
}

/**
 * A numeric option as written: plain decimal text becomes a number; anything else (`abc`, `0x10`,
 * `1e3`, empty) becomes NaN, which the schema refuses naming the field, instead of a lenient guess.
 */
export function cliNumber(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  return /^\s*-?\d+(\.\d+)?\s*$/.test(v) ? Number(v) : Number.NaN;
}

/** One argument or option value checked with a schema; the message names the option. */
export function checkArg<S extends z.ZodTypeAny>(flag: string, schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new CliError(`${flag}: ${describeZodError(parsed.error).replace(/\(input\): /g, '')}`, EXIT.invalid);
  return parsed.data;
}

export const checkDomain = (domain: string, flag = '--domain') => checkArg(flag, identityDomainSchema, domain);
export const checkServiceName = (name: string, flag = '<service>') => checkArg(flag, existingServiceNameSchema, name);

/** A Temporal workflow id given on the command line: not empty, within Temporal's 1000-character limit. */
export function checkWorkflowId(id: string, flag: string): string {
  if (id.trim() === '') throw new CliError(`${flag}: is required`, EXIT.invalid);
  if (id.length > 1000) throw new CliError(`${flag}: must be at most 1000 characters (got ${id.length})`, EXIT.invalid);
  return id;
}
