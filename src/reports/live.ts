// The sections read from the cloud now (the API, as `dbaas view` reads it): the databases by version,
// shape, edition and status; the services each available patch is not applied to yet; and each
// service's application tag (for the cost section).
import type { AvailablePatch, Instance } from '../cloud/schemas';
import { applicationOf } from './applications';
import type { ServiceApplication } from './cost';
import type { ReportDb, Row, SectionResult } from './types';

/** What the report reads from the cloud (DbcsClient has both). */
export interface LiveFleet {
  listInstancesVerbose(domain: string): Promise<Instance[]>;
  availablePatches(domain: string, serviceName: string): Promise<AvailablePatch[]>;
}

export interface FleetNow {
  /** Every service of the domains, with its domain. */
  services: { domain: string; instance: Instance }[];
}

export async function readFleet(cloud: LiveFleet, domains: string[]): Promise<FleetNow> {
  const lists = await Promise.all(domains.map(async (domain) => (await cloud.listInstancesVerbose(domain)).map((instance) => ({ domain, instance }))));
  return { services: lists.flat() };
}

const storageOf = (i: Instance) => (i.usable_storage ?? 0) + (i.fra_storage ?? 0) + (i.additional_volumes ?? []).reduce((a, b) => a + b, 0);

export function inventorySection(fleet: FleetNow): SectionResult {
  const rows: Row[] = [];
  const dimensions: [string, (i: Instance) => string | undefined][] = [
    ['version', (i) => i.version],
    ['shape', (i) => i.shape],
    ['edition', (i) => i.edition],
    ['status', (i) => i.status],
  ];
  for (const [by, value] of dimensions) {
    const groups = new Map<string, { databases: number; storageGb: number }>();
    for (const { instance } of fleet.services) {
      const key = value(instance) ?? '(unknown)';
      const g = groups.get(key) ?? { databases: 0, storageGb: 0 };
      g.databases += 1;
      g.storageGb += storageOf(instance);
      groups.set(key, g);
    }
    for (const [v, g] of [...groups].sort((a, b) => b[1].databases - a[1].databases || a[0].localeCompare(b[0]))) rows.push({ by, value: v, databases: g.databases, storageGb: Math.round(g.storageGb * 100) / 100 });
  }
  return {
    name: 'inventory',
    title: `Databases now (${fleet.services.length})`,
    columns: [
      ['by', 'by'],
      ['value', 'value'],
      ['databases', 'databases'],
      ['storageGb', 'storage (GB)'],
    ],
    rows,
    notes: fleet.services.length === 0 ? ['no services in the cloud'] : ['From the cloud API now; storage is data + FRA + added volumes.'],
    extra: { databases: fleet.services.length },
  };
}

/** Runs fn over items, `limit` at a time (a fleet of thousands is not asked all at once). */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array<R>(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]!);
      }
    }),
  );
  return out;
}

export async function patchesSection(cloud: LiveFleet, fleet: FleetNow, concurrency = 8): Promise<SectionResult> {
  const available = await mapLimit(fleet.services, concurrency, async (s) => ({ s, patches: await cloud.availablePatches(s.domain, s.instance.service_name) }));
  const byPatch = new Map<string, { releaseVersion: string; services: string[] }>();
  // Names alone when the report covers one domain; domain/name otherwise.
  const multiDomain = new Set(fleet.services.map((x) => x.domain)).size > 1;
  for (const { s, patches } of available) {
    for (const p of patches) {
      const entry = byPatch.get(p.patchId) ?? { releaseVersion: p.releaseVersion ?? p.displayName ?? '', services: [] };
      entry.services.push(multiDomain ? `${s.domain}/${s.instance.service_name}` : s.instance.service_name);
      byPatch.set(p.patchId, entry);
    }
  }
  const rows: Row[] = [...byPatch]
    .sort((a, b) => b[1].services.length - a[1].services.length || a[0].localeCompare(b[0]))
    .map(([patchId, e]) => ({ patchId, releaseVersion: e.releaseVersion, unpatched: e.services.length, services: e.services.sort().join(' ') }));
  return {
    name: 'patches',
    title: 'Unpatched services per available patch',
    columns: [
      ['patchId', 'patch'],
      ['releaseVersion', 'release'],
      ['unpatched', 'services'],
      ['services', 'names'],
    ],
    rows,
    notes: rows.length === 0 ? ['every service has every patch available to it'] : ['From the cloud API now: the patches available to each service (not applied yet).'],
  };
}

/**
 * The applications that own services (`dbaas app add`: the audit store's application_services) in these
 * domains. None when the store predates the table (a report over a read-only connection to an older store).
 */
export async function ownedApplications(db: ReportDb, domains: string[]): Promise<ServiceApplication[]> {
  if (domains.length === 0) return [];
  try {
    const { rows } = await db.reportQuery<ServiceApplication>(
      'SELECT identity_domain AS d, service_name AS s, application FROM application_services WHERE identity_domain IN (SELECT jsonb_array_elements_text($1::jsonb)) ORDER BY 1, 2',
      [JSON.stringify(domains)],
    );
    return rows;
  } catch (err) {
    if (/application_services/.test((err as Error).message)) return [];
    throw err;
  }
}

/** A service's owning application wins over its description's tag; tagged services no application owns keep their tag. */
export function withOwnedApplications(owned: ServiceApplication[], tagged: ServiceApplication[]): ServiceApplication[] {
  const key = (a: ServiceApplication) => `${a.d}\u0000${a.s}`;
  const listed = new Set(owned.map(key));
  return [...owned, ...tagged.filter((t) => !listed.has(key(t)))];
}

/** Each service's application tag, for the cost section. */
export function applicationsOf(fleet: FleetNow): ServiceApplication[] {
  return fleet.services.flatMap(({ domain, instance }) => {
    const application = applicationOf(instance.description);
    return application ? [{ d: domain, s: instance.service_name, application }] : [];
  });
}
