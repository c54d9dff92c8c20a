// Planning a rollout: the fleet (names, or every service of a version lacking the patch), prechecks
// of everything first (in chunks inside heartbeating activities; they change nothing, and each is
// audited), the batches (a canary of one first if asked, then maxParallel at a time) and the
// expected duration.
import type { PrecheckResult } from '../../activities';
import { audit, cloud, waits } from '../activity-proxies';
import type { Rollout } from './state';

const PRECHECK_CHUNK = 100;
const AUDIT_CHUNK = 200;

type Fleet = Awaited<ReturnType<typeof cloud.listFleet>>;

/** Plans the run; false when it must not go on (a dry run, or a precheck stop). */
export async function planRollout(r: Rollout): Promise<boolean> {
  const { opts, p } = r;
  const fleet = await listFleet(r);
  const results = await precheck(r, fleet.members.map((m) => m.serviceName));
  await recordPrechecks(r, results);
  const failed = results.filter((x) => !x.passed);
  for (const x of failed) r.setService(x.serviceName, { state: opts.precheckPolicy === 'exclude' ? 'excluded' : 'precheck_failed', findings: x.findings });
  for (const x of results.filter((y) => y.passed)) r.setService(x.serviceName, { findings: [] });

  // The level each service reaches: the patch's release, as the cloud's catalog names it.
  r.s.targetLevel = fleet.targetLevel ?? '';
  p.batches = makeBatches(results.filter((x) => x.passed).map((x) => x.serviceName), opts.canary, opts.maxParallel);
  p.batches.forEach((batch, i) => batch.forEach((n) => r.setService(n, { batch: i })));
  const maxNodes = Math.max(1, ...fleet.members.map((m) => m.nodes));
  r.s.expectedDurationMinutes = Math.round(p.batches.length * (opts.estimatedPatchMinutes * maxNodes + opts.soakSeconds / 60));
  p.eta = new Date(Date.now() + r.s.expectedDurationMinutes * 60_000).toISOString();
  if (opts.precheckPolicy === 'stop' && !stopOnPrecheck(r, failed, fleet.missing)) return false;
  r.setState(opts.dryRun ? 'planned' : 'running');
  return !opts.dryRun;
}

async function listFleet(r: Rollout): Promise<Fleet> {
  const { opts } = r;
  const fleet = await cloud.listFleet({ identityDomain: opts.identityDomain, patchId: opts.patchId, services: opts.services, version: opts.version });
  for (const m of fleet.missing) r.setService(m, { state: 'excluded', error: `no service [${m}] in domain [${opts.identityDomain}]` });
  for (const m of fleet.alreadyPatched) r.setService(m, { state: 'skipped', error: `already has patch ${opts.patchId}` });
  for (const m of fleet.members) r.setService(m.serviceName, { state: 'pending', fromLevel: m.patchLevel });
  r.notifier.notify('started', { services: fleet.members.length, dryRun: opts.dryRun });
  return fleet;
}

async function precheck(r: Rollout, names: string[]): Promise<PrecheckResult[]> {
  const results: PrecheckResult[] = [];
  for (let i = 0; i < names.length; i += PRECHECK_CHUNK) {
    // The rollout's own job deadline bounds each precheck job too (default: the precheck default).
    const deadline = r.opts.timeouts?.jobMinutes ? { deadlineMs: r.opts.timeouts.jobMinutes * 60_000 } : {};
    results.push(...(await waits.precheckMany({ identityDomain: r.opts.identityDomain, patchId: r.opts.patchId, services: names.slice(i, i + PRECHECK_CHUNK), concurrency: 20, ...deadline })));
  }
  return results;
}

async function recordPrechecks(r: Rollout, results: PrecheckResult[]): Promise<void> {
  const { opts } = r;
  const now = new Date().toISOString();
  for (let i = 0; i < results.length; i += AUDIT_CHUNK) {
    await audit.recordAuditBatch(
      results.slice(i, i + AUDIT_CHUNK).map((x) => ({
        key: `precheck:${x.serviceName}`,
        occurredAt: now,
        operation: 'rollingPatch',
        identityDomain: opts.identityDomain,
        serviceName: x.serviceName,
        event: x.passed ? ('precheck_passed' as const) : ('precheck_failed' as const),
        step: 'precheck',
        jobId: x.jobId,
        requestedBy: opts.requestedBy,
        ticket: opts.ticket,
        details: { patchId: opts.patchId, findings: x.findings },
      })),
    );
  }
}

export function makeBatches(ready: string[], canary: boolean, maxParallel: number): string[][] {
  const batches: string[][] = [];
  let rest = ready;
  if (canary && rest.length > 0) {
    batches.push(rest.slice(0, 1));
    rest = rest.slice(1);
  }
  for (let i = 0; i < rest.length; i += maxParallel) batches.push(rest.slice(i, i + maxParallel));
  return batches;
}

/** Under precheckPolicy stop: halts before any change when a precheck failed or a service is unknown. */
function stopOnPrecheck(r: Rollout, failed: PrecheckResult[], missing: string[]): boolean {
  const { p, s } = r;
  if (failed.length > 0) {
    s.stopReason = `precheck failed on ${failed.length} service(s): ${failed.map((f) => f.serviceName).join(', ')}`;
    for (const [name, st] of Object.entries(p.services)) if (st.state === 'pending') r.setService(name, { state: 'skipped' });
  } else if (missing.length > 0) s.stopReason = `unknown services: ${missing.join(', ')}`;
  else return true;
  r.setState('halted');
  p.reason = s.stopReason;
  // Unknown services were never announced as a finish; kept so, for the histories of such runs.
  if (failed.length > 0) r.notifier.notify('finished', { reason: s.stopReason });
  if (r.compat.endAudit) r.audit('finished', { state: 'halted', reason: s.stopReason, ...(failed.length > 0 ? { precheck_failed: failed.map((f) => f.serviceName) } : { unknown: missing }) });
  return false;
}
