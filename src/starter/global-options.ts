// The options every dbaas command takes, as the temporal and aws CLIs have them: where to connect
// (--address, -n/--namespace, --profile, --config-file) and how to print (-o text|json|jsonl). They
// may come before the command (`dbaas -n prod list`) or after it (`dbaas list -n prod`).
import { InvalidArgumentError, Option, type Command } from 'commander';
import { z } from 'zod';
import { describeZodError } from '../shared/schemas';
import { namespaceSchema, profileNameSchema, temporalAddressSchema, type ConnectionFlags } from '../worker/temporal-connection';
import { parseDuration } from './duration';
import { CliError, EXIT } from './exit-codes';
import { OUTPUT_FORMATS, type OutputFormat } from './output';

const GROUP = 'Global options:';
const configFileSchema = z.string().min(1, 'must not be empty').max(4096);

/** What every command's action receives besides its own options, once normalizeOptions has run. */
export interface GlobalOptions extends ConnectionFlags {
  output?: OutputFormat;
  json?: boolean;
}

/** A value checked when commander reads it, so a bad one ends with exit 2 naming the option, before anything runs. */
const checkedBy = (schema: z.ZodTypeAny) => (value: string) => {
  const parsed = schema.safeParse(value);
  if (!parsed.success) throw new InvalidArgumentError(describeZodError(parsed.error).replace(/\(input\): /g, ''));
  return parsed.data as string;
};

export function globalOptions(): Option[] {
  return [
    new Option('--address <host:port>', 'Temporal frontend (default: $TEMPORAL_ADDRESS, the profile\'s, localhost:7233)').argParser(checkedBy(temporalAddressSchema)),
    new Option('-n, --namespace <namespace>', 'Temporal namespace (default: $TEMPORAL_NAMESPACE, the profile\'s, default)').argParser(checkedBy(namespaceSchema)),
    new Option('--profile <name>', 'profile of the Temporal CLI\'s config file (default: $TEMPORAL_PROFILE, else "default" if there)').argParser(checkedBy(profileNameSchema)),
    new Option('--config-file <path>', 'the Temporal CLI\'s config file (default: $TEMPORAL_CONFIG_FILE, else ~/.config/temporalio/temporal.toml)').argParser(checkedBy(configFileSchema)),
    new Option('-o, --output <format>', 'output format; jsonl: one JSON object per line, streamed with --wait').choices(OUTPUT_FORMATS),
  ].map((o) => o.helpGroup(GROUP));
}

/** `--max-wait <duration>`, on every command that has --wait. */
export const maxWaitOption = () =>
  new Option('--max-wait <duration>', `stop watching after this long (30s, 5m, 1h30m; implies --wait); the operation goes on; exit ${EXIT.stillRunning}`).argParser((v: string) => {
    try {
      return parseDuration(v);
    } catch (err) {
      throw new InvalidArgumentError((err as Error).message);
    }
  });

export function addGlobalOptions(c: Command): Command {
  for (const o of globalOptions()) c.addOption(o);
  return c;
}

const CARRIED = ['address', 'namespace', 'profile', 'configFile'] as const;

/**
 * Before an action runs: the global options given before the command are copied to it (the command's
 * own win), `--json` becomes `-o json` (refused next to another -o), and `--max-wait` implies `--wait`.
 */
export function normalizeOptions(cmd: Command): void {
  // commander's optsWithGlobals lets the program's values win; here the command's own do.
  const all = { ...cmd.optsWithGlobals<GlobalOptions & { maxWait?: number }>(), ...cmd.opts<GlobalOptions & { maxWait?: number }>() };
  if (all.json && all.output !== undefined && all.output !== 'json') throw new CliError(`--json contradicts --output ${all.output}`, EXIT.invalid);
  for (const key of CARRIED) if (all[key] !== undefined) cmd.setOptionValue(key, all[key]);
  const output: OutputFormat = all.output ?? (all.json ? 'json' : 'text');
  cmd.setOptionValue('output', output);
  cmd.setOptionValue('json', output !== 'text');
  if (all.maxWait !== undefined) cmd.setOptionValue('wait', true);
}
