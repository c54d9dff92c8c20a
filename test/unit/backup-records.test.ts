// Our backup records in the audit store, on both backends: written and updated by run, listed newest
// first, rolled off past their retention (flagged, kept), each service keeping its newest completed one.
import { afterAll, describe, expect, inject, it } from 'vitest';
import { openAuditStore } from '../../src/audit/open';
import type { AuditStore, BackupRecordInput } from '../../src/audit/types';
import { uniqueName } from '../helpers/harness';

const backends: [string, () => Promise<AuditStore>][] = [
  ['pglite', () => openAuditStore({ inMemory: true })],
  ['postgres', () => openAuditStore({ databaseUrl: inject('databaseUrl') })],
];
const DAY = 86_400_000;
const NOW = Date.UTC(2026, 10, 23, 12);

describe.each(backends)('backup records (%s)', (_name, open) => {
  let store: AuditStore;
  afterAll(() => store?.close());

  const record = (domain: string, service: string, key: string, daysAgo: number, extra: Partial<BackupRecordInput> = {}): BackupRecordInput => ({
    recordKey: `svc:${domain}:${service}:${key}`,
    workflowId: `svc:${domain}:${service}`,
    identityDomain: domain,
    serviceName: service,
    type: 'on-demand',
    status: 'COMPLETED',
    dbTag: `TAG-${key}`,
    databaseSizeGb: 5,
    backupSizeGb: 2.5,
    startedAt: new Date(NOW - daysAgo * DAY).toISOString(),
    endedAt: new Date(NOW - daysAgo * DAY + 60_000).toISOString(),
    ...extra,
  });

  it('writes a record and updates it by its key (IN PROGRESS, then COMPLETED with its end)', async () => {
    store = await open();
    const domain = uniqueName('bdom');
    await store.recordBackup(record(domain, 'db1', 'a', 1, { status: 'IN PROGRESS', endedAt: undefined, backupSizeGb: undefined, requestedBy: 'alice' }));
    await store.recordBackup(record(domain, 'db1', 'a', 1, { requestedBy: 'alice' }));
    const rows = await store.listBackups({ identityDomain: domain, serviceName: 'db1' });
    expect(rows).toEqual([
      {
        identityDomain: domain,
        serviceName: 'db1',
        type: 'on-demand',
        status: 'COMPLETED',
        workflowId: `svc:${domain}:db1`,
        dbTag: 'TAG-a',
        databaseSizeGb: 5,
        backupSizeGb: 2.5,
        startedAt: new Date(NOW - DAY).toISOString(),
        endedAt: new Date(NOW - DAY + 60_000).toISOString(),
        requestedBy: 'alice',
      },
    ]);
  });

  it('rolls off records older than the retention, keeping the newest completed one and what is in progress', async () => {
    store ??= await open();
    const domain = uniqueName('bdom');
    // db1: completed 40 and 35 days ago, failed 31 days ago, completed 2 days ago, one in progress since 50 days.
    await store.recordBackup(record(domain, 'db1', 'old1', 40));
    await store.recordBackup(record(domain, 'db1', 'old2', 35, { type: 'scheduled' }));
    await store.recordBackup(record(domain, 'db1', 'failed', 31, { status: 'FAILED', message: 'ORA-19809' }));
    await store.recordBackup(record(domain, 'db1', 'new', 2));
    await store.recordBackup(record(domain, 'db1', 'stuck', 50, { status: 'IN PROGRESS', endedAt: undefined }));
    // db2: only old completed ones: the newest stays.
    await store.recordBackup(record(domain, 'db2', 'x', 60));
    await store.recordBackup(record(domain, 'db2', 'y', 45));

    const olderThan = new Date(NOW - 30 * DAY);
    expect(await store.rollOffBackups({ identityDomain: domain, serviceName: 'db1', olderThan, at: new Date(NOW) })).toBe(3);
    expect((await store.listBackups({ identityDomain: domain, serviceName: 'db1' })).map((b) => b.dbTag)).toEqual(['TAG-new', 'TAG-stuck']);
    const all = await store.listBackups({ identityDomain: domain, serviceName: 'db1', includeRolledOff: true });
    expect(all.map((b) => [b.dbTag, b.rolledOffAt !== undefined])).toEqual([
      ['TAG-new', false],
      ['TAG-failed', true],
      ['TAG-old2', true],
      ['TAG-old1', true],
      ['TAG-stuck', false],
    ]);
    expect(all.find((b) => b.dbTag === 'TAG-old1')?.rolledOffAt).toBe(new Date(NOW).toISOString());
    // Again: nothing more; the domain-wide roll-off reaches db2 and keeps its newest.
    expect(await store.rollOffBackups({ identityDomain: domain, serviceName: 'db1', olderThan, at: new Date(NOW) })).toBe(0);
    expect(await store.rollOffBackups({ identityDomain: domain, olderThan, at: new Date(NOW) })).toBe(1);
    expect((await store.listBackups({ identityDomain: domain, serviceName: 'db2' })).map((b) => b.dbTag)).toEqual(['TAG-y']);
    // A rolled-off record written again (a retried write) stays rolled off.
    await store.recordBackup(record(domain, 'db1', 'old1', 40));
    expect((await store.listBackups({ identityDomain: domain, serviceName: 'db1' })).map((b) => b.dbTag)).toEqual(['TAG-new', 'TAG-stuck']);
  });
});
