// Patching in the simulated cloud (reference/dbcs-api.md §2.9): a catalog of patches per database
// version, precheck jobs with findings, apply jobs that patch a RAC service's nodes one after the
// other, rollback of an applied patch, and the applied list.
import type { FaultInjector } from './faults';
import { asObject, HttpError } from './http-util';
import { InstanceOperations } from './operations';
import type { SimInstance, SimJob } from './state';

export interface CatalogPatch {
  patchId: string;
  /** The release the database reports once the patch is applied. */
  releaseVersion: string;
  serviceVersion: string;
  patchType: 'PSU' | 'RU';
  patchSeverity: 'Normal' | 'Critical';
  releaseDate: string;
  description: string;
}

/** Release updates per database version, oldest first. Patch ids follow the DBCS style (number-edition-free). */
export const PATCH_CATALOG: Readonly<Record<string, CatalogPatch[]>> = Object.fromEntries(
  (
    [
      ['11.2.0.4', ['180717', '181016', '190115']],
      ['12.1.0.2', ['180717', '181016', '190115']],
      ['12.2.0.1', ['190115', '190416', '190716']],
      ['18.0.0.0', ['190115', '190416', '190716']],
    ] as const
  ).map(([version, releases]) => [
    version,
    releases.map((r, i) => ({
      patchId: `${version.replace(/\./g, '')}-${r}`,
      releaseVersion: `${version}.${r}`,
      serviceVersion: version,
      patchType: version.startsWith('1') && Number(version.split('.')[0]) >= 12 && version !== '12.1.0.2' ? ('RU' as const) : ('PSU' as const),
      patchSeverity: i === releases.length - 1 ? ('Critical' as const) : ('Normal' as const),
      releaseDate: `20${r.slice(0, 2)}-${r.slice(2, 4)}-${r.slice(4, 6)}`,
      description: `Database ${version} release update ${r}`,
    })),
  ]),
);

export const baseLevel = (version: string) => `${version}.0`;

/** Compares release strings such as 12.2.0.1.190416 numerically, part by part. */
export function compareLevels(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export function findPatch(version: string, patchId: string): CatalogPatch | undefined {
  return PATCH_CATALOG[version]?.find((p) => p.patchId === patchId);
}

/** Patches newer than the service's level and not applied yet. */
export function availablePatches(i: SimInstance): CatalogPatch[] {
  const applied = new Set(i.appliedPatches.filter((p) => p.status === 'Applied').map((p) => p.patchId));
  return (PATCH_CATALOG[i.version] ?? []).filter((p) => compareLevels(p.releaseVersion, i.patchLevel) > 0 && !applied.has(p.patchId));
}

export class PatchOperations extends InstanceOperations {
  private get faults(): FaultInjector {
    return this.ctx.faults;
  }

  available(domain: string, name: string) {
    const instance = this.existing(domain, name);
    return { availablePatches: availablePatches(instance).map((p) => ({ ...p, serviceType: 'DBaaS', displayName: p.releaseVersion, requiresRestart: true })) };
  }

  applied(domain: string, name: string) {
    const instance = this.existing(domain, name);
    return {
      appliedPatches: instance.appliedPatches.map((p) => ({
        patchId: p.patchId,
        rollbackId: p.rollbackId,
        fromLevel: p.fromLevel,
        toLevel: p.toLevel,
        status: p.status,
        appliedDate: new Date(p.appliedAt).toISOString(),
      })),
    };
  }

  /** PUT checks/{patchId}: checks disk space, connectivity, node and storage access, conflicts. */
  precheck(domain: string, name: string, patchId: string): SimJob {
    const instance = this.existing(domain, name);
    const patch = findPatch(instance.version, patchId);
    if (!patch) throw new HttpError(400, `Patch ${patchId} does not apply to database version ${instance.version} of service [${name}]`);
    const finding = this.faults.trigger('precheck', name, 'precheck-finding');
    const findings = finding ? [finding.message ?? 'Insufficient disk space on /u01: 2.1 GB free, 8 GB required'] : [];
    const alreadyApplied = instance.appliedPatches.some((p) => p.patchId === patchId && p.status === 'Applied');
    if (alreadyApplied) findings.push(`Patch ${patchId} is already applied`);
    return this.ctx.state.submit({
      domain,
      serviceName: name,
      requestName: 'precheck',
      operation: 'precheck-patch',
      durationMs: this.ctx.durations().precheck,
      createdBy: this.ctx.username,
      requestParams: { serviceName: name, patchId },
      failureMessage: findings.length > 0 ? `Precheck of patch ${patchId} found ${findings.length} problem(s): ${findings.join('; ')}` : undefined,
      successMessage: `Precheck of patch ${patchId} passed: no problems found`,
      submittedMessage: `Submitted job to precheck patch ${patchId} on service [${name}].`,
      steps: [
        { at: 0.3, text: 'Checking disk space, database connectivity and compute node access' },
        { at: 0.7, text: `Checking conflicts of ${patchId} with applied patches` },
      ],
      onSuccess: () => undefined,
      onFailure: () => undefined,
      patch: { patchId, displayName: patch.releaseVersion, fromLevel: instance.patchLevel, findings },
    });
  }

  /** PUT {patchId}: applies a patch; a RAC service's nodes are patched one after the other. */
  apply(domain: string, name: string, patchId: string, raw: unknown): SimJob {
    const body = raw === undefined ? {} : asObject(raw);
    const instance = this.existing(domain, name);
    const patch = findPatch(instance.version, patchId);
    if (!patch) throw new HttpError(400, `Patch ${patchId} does not apply to database version ${instance.version} of service [${name}]`);
    if (!availablePatches(instance).some((p) => p.patchId === patchId)) {
      throw new HttpError(400, `Patch ${patchId} is not available for service [${name}]: it runs ${instance.patchLevel}`);
    }
    this.refuseIfBusy(instance);
    if (instance.status !== 'Running') throw new HttpError(400, `Service [${name}] is ${instance.status}: it can be patched only when Running`);
    const unhealthy = this.faults.trigger('apply', name, 'unhealthy');
    const failure = this.faults.jobFailure('apply', name);
    const fromLevel = instance.patchLevel;
    const note = typeof body.additionalNote === 'string' ? body.additionalNote : undefined;
    instance.status = 'Maintenance';
    const n = instance.nodes.length;
    const steps = instance.nodes.flatMap((node, k) => [
      { at: k / n + 0.01, text: `Patching node ${node.vmName} (${k + 1}/${n}) with ${patchId}` },
      { at: (k + 0.95) / n, text: `Node ${node.vmName} patched to ${patch.releaseVersion}` },
    ]);
    const job = this.ctx.state.submit({
      domain,
      serviceName: name,
      requestName: 'patch',
      operation: 'apply-patch',
      durationMs: this.ctx.durations().patch,
      createdBy: this.ctx.username,
      requestParams: { serviceName: name, patchId, forceApply: String(body.forceApply === true), ...(note !== undefined ? { additionalNote: note } : {}) },
      // A node fails half-way: the rest is not patched and the service keeps its level.
      failureMessage: failure ? `${failure} (on node ${instance.nodes.at(-1)!.vmName})` : undefined,
      submittedMessage: `Submitted job to apply patch ${patchId} to service [${name}] in domain [${domain}].`,
      steps: failure ? steps.slice(0, -1) : steps,
      onSuccess: (i) => {
        if (!i) return;
        i.patchLevel = patch.releaseVersion;
        i.appliedPatches.push({ patchId, rollbackId: `${patchId}-rb-${job.id}`, fromLevel, toLevel: patch.releaseVersion, appliedAt: this.ctx.now(), status: 'Applied' });
        // The unhealthy fault: patched, but the service does not come back.
        i.status = unhealthy ? unhealthy.leaveStatus : 'Running';
      },
      onFailure: (i) => {
        if (i) i.status = 'Running';
      },
      // The cloud backs the software up before patching (what a rollback restores).
      patch: { patchId, displayName: patch.releaseVersion, fromLevel, additionalNote: note ?? `Applying patch [${patchId}].`, backupStatus: 'Available' },
    });
    this.ctx.log(`apply ${patchId} to ${domain}/${name} job ${job.id}`);
    return job;
  }

  /** PUT {rollbackId}/rollback: takes an applied patch back off. */
  rollback(domain: string, name: string, rollbackId: string, raw: unknown): SimJob {
    const body = raw === undefined ? {} : asObject(raw);
    const instance = this.existing(domain, name);
    const entry = instance.appliedPatches.find((p) => p.rollbackId === rollbackId);
    if (!entry) throw new HttpError(400, `No applied patch with rollback id ${rollbackId} on service [${name}]`);
    if (entry.status !== 'Applied') throw new HttpError(400, `Patch ${entry.patchId} (rollback id ${rollbackId}) is already rolled back`);
    const newer = instance.appliedPatches.find((p) => p.status === 'Applied' && compareLevels(p.toLevel, entry.toLevel) > 0);
    if (newer) throw new HttpError(400, `Roll back ${newer.patchId} first: it was applied on top of ${entry.patchId}`);
    this.refuseIfBusy(instance);
    const previous = instance.status;
    instance.status = 'Maintenance';
    const job = this.ctx.state.submit({
      domain,
      serviceName: name,
      requestName: 'patch',
      operation: 'rollback-patch',
      durationMs: this.ctx.durations().patch,
      createdBy: this.ctx.username,
      requestParams: { serviceName: name, rollbackId, patchId: entry.patchId },
      failureMessage: this.faults.jobFailure('rollback', name),
      submittedMessage: `Submitted job to roll back patch ${entry.patchId} on service [${name}].`,
      steps: instance.nodes.map((node, k) => ({ at: k / instance.nodes.length + 0.01, text: `Rolling back ${entry.patchId} on node ${node.vmName}` })),
      onSuccess: (i) => {
        if (!i) return;
        entry.status = 'RolledBack';
        i.patchLevel = entry.fromLevel;
        i.status = 'Running';
      },
      onFailure: (i) => {
        if (i) i.status = previous === 'Maintenance' ? 'Running' : previous;
      },
      patch: {
        patchId: entry.patchId,
        displayName: entry.toLevel,
        fromLevel: entry.toLevel,
        rollbackId,
        additionalNote: typeof body.additionalNote === 'string' ? body.additionalNote : `Rolling back patch [${entry.patchId}].`,
        backupStatus: 'Unknown',
      },
    });
    this.ctx.log(`rollback ${entry.patchId} on ${domain}/${name} job ${job.id}`);
    return job;
  }
}
