// `dbaas report`: fleet inventory and reports, computed by SQL over the audit store (PostgreSQL, as
// DATABASE_URL says, or through the worker over its embedded PGlite) plus what the cloud API says now. Every option is checked before anything
// connects; a bad one ends with exit 2.
import { randomUUID } from 'node:crypto';
import { Option, type Command } from 'commander';
import { openAuditStore } from '../audit/open';
import { DbcsClient } from '../cloud/client';
import { CloudApiError } from '../cloud/errors';
import { reportDatabaseUrl } from '../reports/connection';
import { EXAMPLE_PRICES, loadPrices, PricesFileError, type PriceTable } from '../reports/prices';
import { REPORT_FORMATS, renderReport, type ReportFormat } from '../reports/render';
import { runReport, type Report } from '../reports/runner';
import { SECTION_NAMES, type ReportScope, type SectionName } from '../reports/types';
import type { FleetReportRequest } from '../shared/reports';
import { ConfigError } from '../worker/config-error';
import { dbcsConfigFromEnv } from '../worker/config';
import { CliError, EXIT, requireDomain } from './exit-codes';
import { globalOptions, type GlobalOptions } from './global-options';
import { parseSince } from './history';
import { connectTemporal } from './temporal';

export interface ReportOptions extends Omit<GlobalOptions, 'output'> {
  domain?: string;
  since?: string;
  section?: string;
  output?: ReportFormat;
}

const DEFAULT_SINCE = '30d';
const LIVE_SECTIONS: SectionName[] = ['inventory', 'patches', 'cost'];

/** `--section storage,cost`: known names only, each once; absent: every section. */
export function parseSections(value: string | undefined): SectionName[] {
  if (value === undefined) return [...SECTION_NAMES];
  const names = value.split(',').map((n) => n.trim());
  const unknown = names.filter((n) => !(SECTION_NAMES as readonly string[]).includes(n));
  if (names.length === 0 || unknown.length > 0) throw new CliError(`--section: ${unknown.length ? `unknown section ${JSON.stringify(unknown[0]!.slice(0, 40))}` : 'is empty'}; use one or more of ${SECTION_NAMES.join(', ')} (comma-separated)`, EXIT.invalid);
  if (new Set(names).size !== names.length) throw new CliError('--section: a section is named twice', EXIT.invalid);
  return names as SectionName[];
}

/** The domain: --domain, else $DBAAS_IDENTITY_DOMAIN, else none (every domain of the audit store). */
function domainOf(options: { domain?: string }): string | null {
  return options.domain === undefined && !process.env.DBAAS_IDENTITY_DOMAIN ? null : requireDomain(options);
}

function pricesFor(sections: SectionName[]): PriceTable | undefined {
  if (!sections.includes('cost')) return undefined;
  try {
    return loadPrices();
  } catch (err) {
    if (err instanceof PricesFileError) throw new CliError(err.message, EXIT.invalid);
    throw err;
  }
}

function cloudFor(sections: SectionName[]): DbcsClient | undefined {
  if (!sections.some((s) => LIVE_SECTIONS.includes(s))) return undefined;
  try {
    return new DbcsClient(dbcsConfigFromEnv());
  } catch (err) {
    if (err instanceof ConfigError) throw new CliError(err.message, EXIT.invalid);
    throw err;
  }
}

export async function reportCommand(options: ReportOptions): Promise<number> {
  const domain = domainOf(options);
  const until = new Date();
  const since = parseSince(options.since ?? DEFAULT_SINCE, until.getTime())!;
  if (since.getTime() >= until.getTime()) throw new CliError(`--since: must be in the past (got ${options.since})`, EXIT.invalid);
  const sections = parseSections(options.section);
  const format = options.output ?? 'text';
  const prices = pricesFor(sections);
  const report = await readReport({ domain, since, until }, sections, prices ?? EXAMPLE_PRICES, options);
  console.log(renderReport(report, format));
  return EXIT.ok;
}

/**
 * The report: computed here over PostgreSQL when DATABASE_URL is set, otherwise by the worker over
 * its own store (the fleetReport workflow: the embedded PGlite belongs to the worker's process).
 */
async function readReport(scope: ReportScope, sections: SectionName[], prices: PriceTable, options: ReportOptions): Promise<Report> {
  const databaseUrl = process.env.DATABASE_URL;
  if (!databaseUrl) {
    const t = await connectTemporal(process.env, options);
    try {
      const request: FleetReportRequest = { domain: scope.domain, since: scope.since.toISOString(), until: scope.until.toISOString(), sections, prices };
      return (await t.client.workflow.execute('fleetReport', { taskQueue: t.taskQueue, workflowId: `report:${scope.domain ?? '*'}:${randomUUID()}`, args: [request], workflowExecutionTimeout: '5m' })) as Report;
    } finally {
      await t.close();
    }
  }
  const cloud = cloudFor(sections);
  try {
    const store = await openAuditStore({ databaseUrl: reportDatabaseUrl(databaseUrl) });
    try {
      return await runReport(store, scope, { sections, prices, cloud });
    } finally {
      await store.close();
    }
  } catch (err) {
    if (err instanceof CloudApiError) throw new CliError(err.message, err.isNotFound ? EXIT.notFound : err.retryable ? EXIT.unavailable : EXIT.failed);
    if (err instanceof Error && /ECONNREFUSED|ENOTFOUND|getaddrinfo|connect ETIMEDOUT/.test(err.message)) throw new CliError(`the audit store cannot be reached: ${err.message}`, EXIT.unavailable);
    throw err;
  } finally {
    await cloud?.close();
  }
}

/**
 * Adds `dbaas report` with the global options; its -o also takes csv, so it has its own -o instead
 * of the global one (the program's -o, before the command, stays text|json|jsonl).
 */
export function addReportCommand(program: Command, run: (action: () => Promise<number>) => Promise<void>): Command {
  const cmd = program
    .command('report')
    .description('fleet inventory and reports: databases now, storage and backups with their daily trend, unpatched services, downtime, operations and failure rates, time to build/scale/patch, cost per application')
    .addOption(new Option('-d, --domain <identityDomain>', 'identity domain (default: $DBAAS_IDENTITY_DOMAIN, else every domain of the audit store)'))
    .option('--since <when>', `the period: since 30d (default), 12h, or an ISO date; until now`)
    .option('--section <names>', `only these sections, comma-separated: ${SECTION_NAMES.join(', ')}`)
    .option('--json', 'machine-readable output (the same as -o json)');
  for (const o of globalOptions()) {
    if (o.long !== '--output') cmd.addOption(o);
  }
  cmd.addOption(new Option('-o, --output <format>', 'text, json (one object), jsonl (one object per section) or csv (one table per section; plain CSV with one --section)').choices(REPORT_FORMATS).helpGroup('Global options:'));
  return cmd.action((opts: ReportOptions) => run(() => reportCommand(opts)));
}
