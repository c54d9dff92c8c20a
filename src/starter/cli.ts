// `dbaas`: the operator's CLI. Starts, watches, inspects and cancels the control plane's workflows.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Argument, Command, Option } from 'commander';
import { z } from 'zod';
import { buildCommand } from './build';
import { completionScript, SHELLS, type Shell } from './completion';
import { CliError, EXIT } from './exit-codes';
import { addGlobalOptions, maxWaitOption, normalizeOptions } from './global-options';
import { auditCommand, listCommand } from './history';
import { cancelCommand, jobCommand, statusCommand, viewCommand } from './inspect';
import { deleteCommand, lifecycleCommand, scaleCommand } from './operations';
import { maintainActionCommand, maintainAttachCommand, maintainListCommand } from './maintain';
import { appCreateCommand, appListCommand, appServiceCommand, appShowCommand } from './app';
import { backupCreateCommand, backupListCommand, backupRestoreCommand } from './backup';
import { patchControlCommand, patchPlanCommand, patchStartCommand, patchStatusCommand } from './patch';
import { addReportCommand } from './report';
import { dropEmptyEnvironmentVariables } from '../worker/env';

/** Where the CLI writes its errors and how it ends: the process by default, a test's buffers in-process. */
export interface CliIo {
  writeOut(text: string): void;
  writeErr(text: string): void;
  /** Ends the command with this exit code (process.exit, or a throw that runCli turns into its result). */
  exit(code: number): never;
}

const processIo: CliIo = {
  writeOut: (text) => process.stdout.write(text),
  writeErr: (text) => process.stderr.write(text),
  exit: (code) => process.exit(code),
};

/** Runs a command's action and ends with its exit code; errors are printed and mapped to theirs. */
function runner(io: CliIo) {
  return (action: () => Promise<number>): Promise<void> =>
    action().then(
      (code) => io.exit(code),
      (err: unknown) => {
        if (err instanceof CliError) {
          io.writeErr(`dbaas: ${err.message}\n`);
          return io.exit(err.exitCode);
        }
        const message = describeError(err);
        io.writeErr(`dbaas: ${message}\n`);
        return io.exit(/cannot reach|ECONNREFUSED|UNAVAILABLE/i.test(message) ? EXIT.unavailable : EXIT.failed);
      },
    );
}

/** The client's message and, when Temporal refused the call, why (e.g. PERMISSION_DENIED: the token lacks write permission). */
function describeError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const cause = err instanceof Error ? (err.cause as { details?: string; message?: string } | undefined) : undefined;
  const why = cause?.details ?? cause?.message;
  return why && !message.includes(why) ? `${message}: ${why}` : message;
}

const domainOption = () => new Option('-d, --domain <identityDomain>', 'identity domain (default: $DBAAS_IDENTITY_DOMAIN)');
const JSON_HELP = 'machine-readable output (the same as -o json)';

/** The version in our package.json, for --version: found upward from here (src/starter with tsx, dist/src/starter in the image). */
function packageVersion(): string {
  const pkg = z.object({ name: z.string(), version: z.string() });
  for (let dir = __dirname; ; dir = path.dirname(dir)) {
    try {
      const found = pkg.safeParse(JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')));
      if (found.success && found.data.name === 'dbaas-orchestrator') return found.data.version;
    } catch {
      // no package.json here: look further up
    }
    if (path.dirname(dir) === dir) return 'unknown';
  }
}

/** Commands that run something (not `patch` or `maintain`, which only group them). */
const leaves = (c: Command): Command[] => (c.commands.length === 0 ? [c] : c.commands.flatMap(leaves));

export function buildProgram(io: CliIo = processIo): Command {
  const run = runner(io);
  const program = new Command('dbaas');
  // Set before any subcommand is added: subcommands copy these when created, so a bad option or a
  // missing argument of `dbaas scale` ends with exit code 2 too (not commander's own 1).
  program.exitOverride((err) => io.exit(err.exitCode === 0 ? 0 : EXIT.invalid));
  program.configureOutput({ writeOut: (t) => io.writeOut(t), writeErr: (t) => io.writeErr(t) });
  program
    .description('Control plane of the database cloud service: build, inspect and watch services and their operations.')
    .version(packageVersion(), '-v, --version', 'the version of dbaas')
    // Global options go before the command or after it; before it only they are the program's, so
    // `patch start --version 19.3` stays the command's own option.
    .enablePositionalOptions()
    .showHelpAfterError()
    .addHelpText(
      'after',
      `\nExit codes: 0 ok, 1 operation failed, 2 invalid input, 3 service busy, 4 not found, 5 unreachable, 6 permission denied, ${EXIT.stillRunning} still running after --max-wait (not cancelled), ${EXIT.interrupted} interrupted.\nConnection: flags over TEMPORAL_* variables over the Temporal CLI's profile (TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE).\nThe admin password comes from $DBAAS_ADMIN_PASSWORD or a prompt, never from a flag. Output is plain text (colour only on a terminal, never with NO_COLOR).`,
    );
  addGlobalOptions(program);
  program.hook('preAction', (_program, action) => {
    try {
      normalizeOptions(action);
    } catch (err) {
      if (!(err instanceof CliError)) throw err;
      io.writeErr(`dbaas: ${err.message}\n`);
      io.exit(err.exitCode);
    }
  });

  program
    .command('build')
    .description('build a database service from a JSON spec (the DBCS create body, or {identityDomain, service, requestedBy?, ticket?})')
    .argument('<spec>', 'JSON spec file')
    .addOption(domainOption())
    .option('--requested-by <who>', 'who you say you are (default: your user name); recorded as unverified unless DBAAS_TOKEN signs the request')
    .option('--ticket <ref>', 'change ticket recorded in the audit trail')
    .option('--application <name>', 'the application the service belongs to (an application:NAME tag in its description; dbaas report groups cost by it)')
    .option('-w, --wait', 'follow progress until the build ends; Ctrl+C cancels and rolls back')
    .addOption(maxWaitOption())
    .option('--json', JSON_HELP)
    .action((spec: string, opts) => run(() => buildCommand(spec, opts)));

  const operationOptions = (c: Command) =>
    c
      .addOption(domainOption())
      .option('--requested-by <who>', 'who you say you are (default: your user name); recorded as unverified unless DBAAS_TOKEN signs the request')
      .option('--ticket <ref>', 'change ticket recorded in the audit trail')
      .option('-w, --wait', 'follow progress until the operation ends; Ctrl+C cancels it')
      .addOption(maxWaitOption())
      .option('--json', JSON_HELP);

  operationOptions(
    program
      .command('scale')
      .description('change the shape (up or down) and/or add storage (SCALE)')
      .argument('<service>', 'service name')
      .option('--shape <shape>', 'new shape, e.g. oc4')
      .option('--storage <GB>', 'storage to add, 1-1024 GB (storage only grows)')
      .option('--usage <data|fra>', 'grow the data or the recovery (FRA) volume; default: attach a new volume'),
  ).action((service: string, opts) => run(() => scaleCommand(service, opts)));

  for (const state of ['stop', 'start', 'restart'] as const) {
    operationOptions(
      program
        .command(state)
        .description(`${state} a service, or one VM of it (${state.toUpperCase()})`)
        .argument('<service>', 'service name')
        .option('--vm <vmName>', 'only this compute node (e.g. vm-2 of a RAC service)')
        .option('--timeout <minutes>', 'how long the cloud may take, 1-300 minutes'),
    ).action((service: string, opts) => run(() => lifecycleCommand(state, service, opts)));
  }

  operationOptions(
    program
      .command('delete')
      .description('delete a service and wait until it is gone (DELETE)')
      .argument('<service>', 'service name')
      .option('--confirm <service>', 'the service name again (asked for when omitted on a terminal)')
      .option('--delete-backup', 'also delete its cloud backups (irreversible)'),
  ).action((service: string, opts) => run(() => deleteCommand(service, opts)));

  program
    .command('audit')
    .description("a service's audit trail: who asked for what, when, with which outcome")
    .argument('<service>', 'service name')
    .addOption(domainOption())
    .option('--since <when>', 'only events since 30m, 6h, 7d or an ISO date')
    .option('--limit <n>', 'at most this many events (default 500)')
    .option('--json', JSON_HELP)
    .action((service: string, opts) => run(() => auditCommand(service, opts)));

  program
    .command('list')
    .description('operations running now (from Temporal visibility)')
    .addOption(domainOption())
    .option('--service <name>', 'only this service')
    .option('--operation <type>', 'only this operation, e.g. scaleService')
    .option('--json', JSON_HELP)
    .action((opts) => run(() => listCommand(opts)));

  const patch = program.command('patch').description('rolling patches across a fleet: plan, start, status, pause, resume, approve, abort');
  const rolloutOptions = (c: Command) =>
    c
      .addOption(domainOption())
      .requiredOption('--patch <patchId>', 'the patch to apply, e.g. 12201-190416')
      .option('--services <a,b,c>', 'the fleet by name')
      .option('--version <version>', 'or every service of this database version that lacks the patch')
      .option('--max-parallel <n>', 'services patched at once (default 1)')
      .option('--canary', 'patch one service alone first')
      .option('--soak <seconds>', 'watch each batch stay healthy this long')
      .option('--health-timeout <seconds>', 'how long a patched service may take to come back (default 900)')
      .option('--precheck-policy <exclude|stop>', 'what to do with services that fail the precheck (default exclude)')
      .option('--json', JSON_HELP);
  rolloutOptions(patch.command('plan').description('precheck and batch the fleet; change nothing')).action((opts) => run(() => patchPlanCommand(opts)));
  rolloutOptions(patch.command('start').description('start a rollout (id patch:<domain>:<patchId>)'))
    .option('--failure-policy <halt|rollback|continue>', 'on failure: stop, roll back what was patched, or go on within the budget (default halt)')
    .option('--budget <n>', 'failures allowed with --failure-policy continue (default 0)')
    .option('--approval <none|first|each>', 'ask for approval before the first or each batch')
    .option('--window <"Sat,Sun 22-4">', 'maintenance window (UTC): batches start only inside it')
    .option('--busy-wait <seconds>', 'wait this long for a service busy with another operation (default 300)')
    .option('--contact <url>', 'webhook told of the rollout\'s events (repeatable)', (v: string, all: string[] = []) => [...all, v])
    .option('--force-apply', 'apply despite precheck conflicts')
    .option('--ticket <ref>', 'change ticket recorded in the audit trail')
    .option('--requested-by <who>', 'who you say you are (default: your user name); recorded as unverified unless DBAAS_TOKEN signs the request')
    .option('-w, --wait', 'show a live table of services until the rollout ends')
    .addOption(maxWaitOption())
    .action((opts) => run(() => patchStartCommand(opts)));
  patch
    .command('status')
    .argument('<rolloutId>', 'e.g. patch:<domain>:<patchId>')
    .option('-w, --wait', 'follow until it ends')
    .addOption(maxWaitOption())
    .option('--json', JSON_HELP)
    .description('per-service states, current batch, counts and ETA')
    .action((id: string, opts) => run(() => patchStatusCommand(id, opts)));
  for (const action of ['pause', 'resume', 'approve', 'abort'] as const) {
    patch
      .command(action)
      .argument('<rolloutId>', 'e.g. patch:<domain>:<patchId>')
      .option('--reason <text>', 'recorded with the request')
      .description({ pause: 'finish the batch in flight, then wait', resume: 'go on after a pause', approve: 'let the waiting batch start', abort: 'stop and apply the failure policy' }[action])
      .action((id: string, opts) => run(() => patchControlCommand(action, id, opts)));
  }

  const maintain = program.command('maintain').description('keep services at their desired state: attach, detach, status, scale, pause, resume, list');
  const desiredOptions = (c: Command) =>
    c
      .addOption(domainOption())
      .option('--status <Running|Stopped>', 'desired status (default Running)')
      .option('--shape <shape>', 'desired shape')
      .option('--min-storage <GB>', 'the data volume must be at least this big')
      .option('--json', JSON_HELP);
  desiredOptions(maintain.command('attach').argument('<service>', 'service name').description('start maintaining a service'))
    .option('--interval <seconds>', 'seconds between passes (default 60)')
    .option('--health-timeout <seconds>', 'unhealthy this long counts as failed (default 600)')
    .option('--restart-limit <n>', 'failed recoveries in a row before needs_attention (default 3)')
    .option('--contact <url>', 'webhook told of drift, actions and needs_attention (repeatable)', (v: string, all: string[] = []) => [...all, v])
    .action((service: string, opts) => run(() => maintainAttachCommand(service, opts)));
  desiredOptions(maintain.command('scale').argument('<service>', 'service name').description('change the desired state; the next pass realises it')).action((service: string, opts) =>
    run(() => maintainActionCommand('scale', service, opts)),
  );
  for (const action of ['detach', 'status', 'pause', 'resume'] as const) {
    maintain
      .command(action)
      .argument('<service>', 'service name')
      .addOption(domainOption())
      .option('--reason <text>', 'recorded with the request')
      .option('--json', JSON_HELP)
      .description({ detach: 'stop maintaining (nothing is torn down)', status: 'last pass, drift, actions and counters', pause: 'stop acting (passes still observe)', resume: 'act again' }[action])
      .action((service: string, opts) => run(() => maintainActionCommand(action, service, opts)));
  }
  maintain
    .command('list')
    .addOption(domainOption())
    .option('--json', JSON_HELP)
    .description('every maintained service, its state and last action')
    .action((opts) => run(() => maintainListCommand(opts)));

  const backup = program.command('backup').description('back up and restore a service; list its backups');
  operationOptions(backup.command('create').argument('<service>', 'service name').description('back up a Running service now (BACKUP)'))
    .option('--retention-days <n>', 'our records of its backups older than this roll off (default $DBAAS_BACKUP_RETENTION_DAYS, else 30)')
    .action((service: string, opts) => run(() => backupCreateCommand(service, opts)));
  operationOptions(backup.command('restore').argument('<service>', 'service name').description('restore a service from a backup (admins only: it overwrites the database)'))
    .option('--latest', 'the latest backup')
    .option('--tag <tag>', 'a backup by its tag (see dbaas backup list)')
    .option('--timestamp <date>', 'the state at a point in time, e.g. 2026-11-23T18:00:00Z')
    .action((service: string, opts) => run(() => backupRestoreCommand(service, opts)));
  backup
    .command('list')
    .argument('<service>', 'service name')
    .addOption(domainOption())
    .option('--all', 'rolled-off records too')
    .option('--limit <n>', 'at most this many (default 100)')
    .option('--json', JSON_HELP)
    .description('our records of the service\'s backups: type, status, sizes, start')
    .action((service: string, opts) => run(() => backupListCommand(service, opts)));

  const app = program.command('app').description('applications: the services each owns and the contacts told of their failures, attention and rollouts');
  app
    .command('create')
    .argument('<name>', 'application name')
    .option('--contact <url>', 'webhook told of the application\'s failed operations, maintainers\' attention and rollouts (repeatable)', (v: string, all: string[] = []) => [...all, v])
    .option('--json', JSON_HELP)
    .description('create an application (or replace its contacts) and start the notifications dispatcher')
    .action((name: string, opts) => run(() => appCreateCommand(name, opts)));
  for (const action of ['add', 'remove'] as const) {
    app
      .command(action)
      .argument('<name>', 'application name')
      .argument('<service>', 'service name')
      .addOption(domainOption())
      .option('--json', JSON_HELP)
      .description({ add: 'the service belongs to the application (moved from another one)', remove: 'the service no longer belongs to the application' }[action])
      .action((name: string, service: string, opts) => run(() => appServiceCommand(action, name, service, opts)));
  }
  app
    .command('list')
    .option('--json', JSON_HELP)
    .description('every application, its contacts and how many services it owns')
    .action((opts) => run(() => appListCommand(opts)));
  app
    .command('show')
    .argument('<name>', 'application name')
    .option('--deliveries <n>', 'recent deliveries shown (default 20)')
    .option('--json', JSON_HELP)
    .description('an application\'s services, contacts and recent deliveries')
    .action((name: string, opts) => run(() => appShowCommand(name, opts)));

  program
    .command('view')
    .description('show one service, or all services of the domain (VIEW)')
    .argument('[service]', 'service name')
    .addOption(domainOption())
    .option('--json', JSON_HELP)
    .action((service: string | undefined, opts) => run(() => viewCommand(service, opts)));

  program
    .command('job')
    .description('show an async job of the cloud API (VIEW_JOB)')
    .argument('<jobId>', 'job id')
    .addOption(domainOption())
    .option('--type <requestName>', 'create, delete, scale or control (default: try each)')
    .option('--json', JSON_HELP)
    .action((jobId: string, opts) => run(() => jobCommand(jobId, opts)));

  program
    .command('status')
    .description('show the progress of an operation (workflow)')
    .argument('<workflowId>', 'e.g. svc:<domain>:<service>')
    .option('-w, --wait', 'follow it until it ends')
    .addOption(maxWaitOption())
    .option('--json', JSON_HELP)
    .action((workflowId: string, opts) => run(() => statusCommand(workflowId, opts)));

  program
    .command('cancel')
    .description('cancel a running operation; it rolls back what it did')
    .argument('<workflowId>', 'e.g. svc:<domain>:<service>')
    .option('-w, --wait', 'follow the rollback until it ends')
    .addOption(maxWaitOption())
    .option('--json', JSON_HELP)
    .action((workflowId: string, opts) => run(() => cancelCommand(workflowId, opts)));

  // Every command that runs something takes the global options after its name too.
  for (const leaf of leaves(program)) addGlobalOptions(leaf);
  // After the loop: report brings its own -o (it also prints csv) and the other global options.
  addReportCommand(program, run);

  program
    .command('completion')
    .description('print a shell completion script: source <(dbaas completion bash), or zsh')
    .addArgument(new Argument('<shell>', 'bash or zsh').choices(SHELLS))
    .action((shell: Shell) =>
      run(async () => {
        io.writeOut(completionScript(shell, program));
        return EXIT.ok;
      }),
    );

  return program;
}

/** Ends an in-process run: carries the exit code out of commander and the command. */
class CliExit extends Error {
  constructor(readonly code: number) {
    super(`dbaas exited with code ${code}`);
  }
}

/**
 * Runs the CLI in this process (argv without `node cli.ts`) and resolves with its exit code, writing
 * what it would print on stderr (and commander's own output) to `io`. Tests run thousands of argument
 * checks this way; the process entry point below is the same program with process.exit.
 */
export async function runCli(argv: string[], io: Partial<Omit<CliIo, 'exit'>> = {}): Promise<number> {
  const program = buildProgram({
    writeOut: io.writeOut ?? (() => undefined),
    writeErr: io.writeErr ?? (() => undefined),
    exit: (code) => {
      throw new CliExit(code);
    },
  });
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CliExit) return err.code;
    throw err;
  }
  return EXIT.ok;
}

if (require.main === module) {
  dropEmptyEnvironmentVariables();
  void buildProgram().parseAsync(process.argv);
}
