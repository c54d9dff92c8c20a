// Runs the sections a report asks for: the SQL ones over the audit store, the live ones against the
// cloud, side by side, and hands them back in the order they are printed.
import { backupsSection } from './backups';
import { costPart, costResult } from './cost';
import { downtimePart, downtimeResult } from './downtime';
import { durationsSection } from './durations';
import { applicationsOf, inventorySection, ownedApplications, patchesSection, readFleet, withOwnedApplications, type LiveFleet } from './live';
import { operationsSection } from './operations';
import type { PriceTable } from './prices';
import { scopeParams, timelineSql, type TimelinePart } from './sql';
import { storagePart, storageResult } from './storage';
import { SECTION_NAMES, type ReportDb, type ReportScope, type Row, type SectionName, type SectionResult } from './types';

export interface ReportOptions {
  sections: readonly SectionName[];
  prices: PriceTable;
  /** The cloud, for inventory, patches and cost (the application tags). */
  cloud?: LiveFleet;
}

export interface Report {
  domain: string | null;
  /** The domains the live sections read (every domain of the audit store when no domain was given). */
  domains: string[];
  since: string;
  until: string;
  sections: SectionResult[];
}

const LIVE: SectionName[] = ['inventory', 'patches', 'cost'];

/** The domains the audit store knows (rollouts' '*' service included: a domain may have only those). */
async function domainsOf(db: ReportDb, scope: ReportScope): Promise<string[]> {
  if (scope.domain !== null) return [scope.domain];
  const { rows } = await db.reportQuery<{ d: string }>('SELECT DISTINCT identity_domain AS d FROM audit_events ORDER BY 1');
  return rows.map((r) => r.d);
}

export async function runReport(db: ReportDb, scope: ReportScope, options: ReportOptions): Promise<Report> {
  const wanted = SECTION_NAMES.filter((n) => options.sections.includes(n));
  const needsCloud = wanted.some((n) => LIVE.includes(n));
  if (needsCloud && !options.cloud) throw new Error(`the sections ${wanted.filter((n) => LIVE.includes(n)).join(', ')} read the cloud: no cloud client given`);
  const domains = needsCloud ? await domainsOf(db, scope) : scope.domain === null ? [] : [scope.domain];
  const fleet = needsCloud ? readFleet(options.cloud!, domains) : undefined;
  // A failed read of the cloud must not leave an unhandled rejection while the SQL sections run.
  fleet?.catch(() => undefined);

  // Storage, downtime and cost share the services' timeline: one statement computes it once for all three.
  const parts: Partial<Record<SectionName, TimelinePart>> = {};
  if (wanted.includes('storage')) parts.storage = storagePart;
  if (wanted.includes('downtime')) parts.downtime = downtimePart;
  if (wanted.includes('cost')) parts.cost = costPart;
  const timeline = Object.keys(parts).length
    ? (async () => {
        // The application that owns a service (dbaas app add) first; else its description's application tag.
        const applications = parts.cost ? withOwnedApplications(await ownedApplications(db, domains), applicationsOf(await fleet!)) : [];
        const { rows } = await db.reportQuery<Record<string, Row[]>>(timelineSql(parts as Record<string, TimelinePart>), scopeParams(scope, { applications, perHour: options.prices.perHour }));
        return rows[0]!;
      })()
    : undefined;
  timeline?.catch(() => undefined);

  const run: Record<SectionName, () => Promise<SectionResult>> = {
    inventory: async () => inventorySection(await fleet!),
    storage: async () => storageResult((await timeline!).storage!),
    backups: () => backupsSection(db, scope),
    patches: async () => patchesSection(options.cloud!, await fleet!),
    downtime: async () => downtimeResult((await timeline!).downtime!),
    operations: () => operationsSection(db, scope),
    durations: () => durationsSection(db, scope),
    cost: async () => costResult((await timeline!).cost!, options.prices),
  };
  const sections = await Promise.all(wanted.map((n) => run[n]()));
  return { domain: scope.domain, domains, since: scope.since.toISOString(), until: scope.until.toISOString(), sections };
}
