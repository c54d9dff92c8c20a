// The figures of a bench run as markdown: one table per scenario, then each goal and where it stands.
import type { MaintainFigures } from './maintain-load';
import type { HistoryRow } from './history-polls';
import type { OverheadRow } from './overhead';
import type { PollingRow } from './polling';
import type { ReportFigures } from './reports';
import { table, type BenchResults } from './report';
import type { RolloutRow } from './rollout';
import { renderStartup, type StartupFigures } from './startup';
import { renderTargets, type TargetFigures } from './targets';
import type { CrashRecovery, ThroughputRow, BatchFigures } from './throughput';

interface Entry<T> {
  measuredAt: string;
  commit: string;
  figures: T;
}

const verdict = (met: boolean) => (met ? 'met' : '**missed**');

export function renderFigures(results: BenchResults): string {
  const s = results.scenarios as Partial<{
    overhead: Entry<OverheadRow[]>;
    throughput: Entry<{ rows: ThroughputRow[]; activitySlots: { slots: number; n: number; builds: BatchFigures }[] }>;
    history: Entry<HistoryRow[]>;
    rollout: Entry<RolloutRow>;
    maintain: Entry<MaintainFigures[]>;
    crash: Entry<CrashRecovery>;
    targets: Entry<TargetFigures[]>;
    startup: Entry<StartupFigures>;
    reports: Entry<ReportFigures>;
    polling: Entry<PollingRow[]>;
  }>;
  const out: string[] = [];
  const goals: string[] = [];
  const heading = (title: string, e: Entry<unknown>) => out.push(`### ${title}\n\n_${e.measuredAt.slice(0, 16).replace('T', ' ')} UTC, commit ${e.commit}_\n`);

  if (s.overhead) {
    heading('1. Orchestration overhead (medians)', s.overhead);
    out.push(
      table(s.overhead.figures as unknown as Record<string, unknown>[], [
        ['jobSeconds', 'job (s)'],
        ['client', 'client'],
        ['runs', 'runs'],
        ['wallSeconds', 'wall (s)'],
        ['overheadSeconds', 'wall − job (s)'],
        ['detectionDelaySeconds', 'detection delay (s)'],
        ['orchestrationSeconds', 'orchestration (s)'],
        ['jobPolls', 'job polls'],
      ]),
    );
    for (const r of s.overhead.figures.filter((x) => x.client === 'workflow')) {
      goals.push(`| overhead ≤ 0.2 s beyond the job (job ${r.jobSeconds} s) | orchestration ${r.orchestrationSeconds} s (wall − job ${r.overheadSeconds} s) | ${verdict(r.orchestrationSeconds <= 0.2)} |`);
      const limit = Math.min(0.1 * r.jobSeconds, 30);
      goals.push(`| detection delay ≤ ${limit} s (job ${r.jobSeconds} s) | ${r.detectionDelaySeconds} s | ${verdict(r.detectionDelaySeconds <= limit)} |`);
    }
  }
  if (s.throughput) {
    heading('2. Throughput (1 s jobs, one worker; median of runs)', s.throughput);
    const rows = s.throughput.figures.rows.map((r) => ({
      n: r.n,
      runs: r.runs,
      builds: `${r.builds.perSecond}/s (${r.builds.seconds} s)`,
      buildsLatency: `${r.builds.p50Seconds} / ${r.builds.p99Seconds}`,
      ceiling: `${r.ceiling.perSecond}/s (${r.ceiling.seconds} s)`,
      ceilingLatency: `${r.ceiling.p50Seconds} / ${r.ceiling.p99Seconds}`,
      share: `${Math.round(r.shareOfCeiling * 100)} %`,
    }));
    out.push(
      table(rows, [
        ['n', 'N'],
        ['runs', 'runs'],
        ['builds', 'builds'],
        ['buildsLatency', 'build p50 / p99 (s)'],
        ['ceiling', 'no-I/O ceiling'],
        ['ceilingLatency', 'ceiling p50 / p99 (s)'],
        ['share', 'share of ceiling'],
      ]),
    );
    if (s.throughput.figures.activitySlots.length) {
      out.push('\nActivity slots (each job wait holds one for the job\'s duration):\n');
      out.push(
        table(
          s.throughput.figures.activitySlots.map((a) => ({ slots: a.slots, n: a.n, rate: `${a.builds.perSecond}/s`, seconds: a.builds.seconds, p99: a.builds.p99Seconds })),
          [
            ['slots', 'DBAAS_MAX_CONCURRENT_ACTIVITIES'],
            ['n', 'N'],
            ['rate', 'builds'],
            ['seconds', 'makespan (s)'],
            ['p99', 'p99 (s)'],
          ],
        ),
      );
    }
    const largest = s.throughput.figures.rows.at(-1);
    if (largest) goals.push(`| throughput ≥ 80 % of the no-I/O ceiling at N = ${largest.n} | ${Math.round(largest.shareOfCeiling * 100)} % | ${verdict(largest.shareOfCeiling >= 0.8)} |`);
  }
  if (s.history) {
    heading('3. History length and polling cost against job duration', s.history);
    out.push(
      table(s.history.figures as unknown as Record<string, unknown>[], [
        ['jobSeconds', 'job (s)'],
        ['clockFactor', 'clock factor'],
        ['historyEvents', 'history events'],
        ['jobPolls', 'job polls'],
        ['detectionDelaySeconds', 'detection delay (s)'],
        ['delayLimitSeconds', 'limit (s)'],
      ]),
    );
    const events = new Set(s.history.figures.map((r) => r.historyEvents));
    goals.push(`| history length independent of job duration | ${[...events].join(', ')} events | ${verdict(events.size === 1)} |`);
    const delaysOk = s.history.figures.every((r) => r.detectionDelaySeconds <= r.delayLimitSeconds);
    goals.push(`| detection delay ≤ min(10 %, 30 s) at every duration | ${s.history.figures.map((r) => `${r.detectionDelaySeconds} s`).join(', ')} | ${verdict(delaysOk)} |`);
    const f = s.history.figures;
    goals.push(`| polls O(log duration) (linear past the 30 s cap, by design) | ${f.map((r) => `${r.jobSeconds} s: ${r.jobPolls}`).join(', ')} | see table |`);
  }
  if (s.rollout) {
    const r = s.rollout.figures;
    heading('4. Fleet rollout', s.rollout);
    out.push(
      table([{ ...r, fleet: `${r.services} services, maxParallel ${r.maxParallel}, patch ${r.patchJobSeconds} s, precheck ${r.precheckJobSeconds} s` }] as unknown as Record<string, unknown>[], [
        ['fleet', 'fleet'],
        ['runs', 'runs'],
        ['makespanSeconds', 'makespan (s)'],
        ['idealSeconds', 'ideal (s)'],
        ['ratio', 'ratio'],
        ['batchPhaseSeconds', 'batches (s)'],
        ['batchPhaseIdealSeconds', 'batches ideal (s)'],
        ['batchPhaseRatio', 'batches ratio'],
        ['maxConcurrentPatchJobs', 'most patch jobs at once'],
      ]),
    );
    goals.push(`| rollout makespan ≤ 1.15 × ideal | ${r.ratio} × (batches alone ${r.batchPhaseRatio} ×) | ${verdict(r.ratio <= 1.15)} |`);
  }
  if (s.maintain) {
    const ms = s.maintain.figures;
    heading('5. Long-lived load (maintainService)', s.maintain);
    out.push(
      table(ms as unknown as Record<string, unknown>[], [
        ['services', 'services'],
        ['passIntervalSeconds', 'pass every (s)'],
        ['measuredSeconds', 'window (s)'],
        ['auditStore', 'audit store'],
        ['servicesOnTimePercent', 'services on time (%)'],
        ['passesMadePercent', 'passes made (%)'],
        ['workerRssMedianMb', 'worker RSS median (MB)'],
        ['workerRssMaxMb', 'max (MB)'],
        ['workerCpuPercent', 'worker CPU (% of a core)'],
        ['serverCpuPercent', 'server CPU (%)'],
      ]),
    );
    for (const m of ms) {
      goals.push(`| ${m.services} maintained services: ≥ 99 % of passes on time (${m.auditStore}) | ${m.servicesOnTimePercent} % of services on time, ${m.passesMadePercent} % of passes made | ${verdict(m.servicesOnTimePercent >= 99)} |`);
      goals.push(`| worker RSS ≤ 400 MB (${m.services} services, ${m.auditStore}) | median ${m.workerRssMedianMb} MB, max ${m.workerRssMaxMb} MB | ${verdict(m.workerRssMaxMb <= 400)} |`);
    }
  }
  if (s.crash) {
    const c = s.crash.figures;
    heading('6. Worker crash recovery (SIGKILL during a throughput run)', s.crash);
    out.push(
      table([c] as unknown as Record<string, unknown>[], [
        ['n', 'builds'],
        ['completedBeforeKill', 'done before the kill'],
        ['recoverySeconds', 'kill → all done (s)'],
        ['workerStartSeconds', 'new worker ready (s)'],
        ['createCalls', 'create calls'],
        ['createJobs', 'create jobs'],
        ['instancesCreated', 'instances created'],
        ['allRunning', 'all Running'],
      ]),
    );
    goals.push(`| no duplicated create after a crash | ${c.createJobs} create jobs, ${c.instancesCreated} instances for ${c.n} builds | ${verdict(c.createJobs === c.n && c.instancesCreated === c.n && c.allRunning)} |`);
  }
  if (s.targets) {
    heading('7. Dev server against the production-shape cluster (throughput as in 2, crash as in 6; `--cluster`)', s.targets);
    out.push(renderTargets(s.targets.figures));
    for (const t of s.targets.figures) {
      const c = t.crash;
      goals.push(`| no duplicated create after a crash (${t.target}) | ${c.createJobs} create jobs, ${c.instancesCreated} instances for ${c.n} builds | ${verdict(c.createJobs === c.n && c.instancesCreated === c.n && c.allRunning)} |`);
    }
  }
  if (s.startup) {
    const f = s.startup.figures;
    heading('8. Start to polling: the worker image before and after (medians)', s.startup);
    out.push(renderStartup(f));
    const [before, after] = [f.rows[0]!, f.rows.at(-1)!];
    goals.push(`| the image's worker starts without tsx or webpack | ${after.bundledAtStart ? 'bundles at start' : 'no webpack at start'}; first task ${after.firstTaskSeconds} s after spawn, before ${before.firstTaskSeconds} s (${f.ratio} ×) | ${verdict(!after.bundledAtStart && after.firstTaskSeconds < before.firstTaskSeconds)} |`);
  }
  if (s.reports) {
    const f = s.reports.figures;
    heading(`9. Fleet report over the audit store (${f.services} services × ${f.eventsPerService} events over ${f.days} days, --since ${f.sinceDays}d; load average ${f.loadAverage})`, s.reports);
    const sections = Object.keys(f.backends[0]?.sectionSeconds ?? {});
    out.push(
      table(
        f.backends.map((b) => ({ ...b, ...Object.fromEntries(Object.entries(b.sectionSeconds).map(([k, v]) => [`s_${k}`, v])) })) as unknown as Record<string, unknown>[],
        [['auditStore', 'audit store'], ['events', 'events'], ['backups', 'backup records'], ['reportSeconds', `whole report (s, median of ${f.backends[0]?.runs ?? 0})`], ...sections.map((k): [string, string] => [`s_${k}`, `${k} (s)`])],
      ),
    );
    for (const b of f.backends) goals.push(`| ${b.events.toLocaleString('en')} audit events answer in under 1 s (${b.auditStore}) | ${b.reportSeconds} s | ${verdict(b.reportSeconds < 1)} |`);
  }
  if (s.polling) {
    heading('10. Job polling against plain pollers (job time; medians)', s.polling);
    out.push(
      table(s.polling.figures as unknown as Record<string, unknown>[], [
        ['jobSeconds', 'job (s)'],
        ['clockFactor', 'clock factor'],
        ['client', 'client'],
        ['runs', 'runs'],
        ['jobPolls', 'job polls'],
        ['detectionDelaySeconds', 'detection delay (s)'],
        ['maxDetectionDelaySeconds', 'worst delay (s)'],
        ['delayBoundSeconds', 'bound (s)'],
        ['historyEvents', 'history events'],
      ]),
    );
    const learned = s.polling.figures.filter((r) => r.client.startsWith('workflow, after'));
    const plain1 = (d: number) => s.polling!.figures.find((r) => r.jobSeconds === d && r.client === 'plain script, 1 s polls');
    const fewer = learned.every((r) => r.jobPolls <= (plain1(r.jobSeconds)?.jobPolls ?? Infinity));
    goals.push(`| polls ≤ the 1 s poller's at every job length (learned) | ${learned.map((r) => `${r.jobSeconds} s: ${r.jobPolls} vs ${plain1(r.jobSeconds)?.jobPolls ?? '?'}`).join(', ')} | ${verdict(fewer)} |`);
    goals.push(`| detection delay ≤ max(1 s, 3 %) at every job length (learned, worst run) | ${learned.map((r) => `${r.jobSeconds} s: ${r.maxDetectionDelaySeconds} s`).join(', ')} | ${verdict(learned.every((r) => r.maxDetectionDelaySeconds <= r.delayBoundSeconds))} |`);
    const longest = learned.find((r) => r.jobSeconds === 1800);
    if (longest) goals.push(`| at most 60 polls for a 30 min job | ${longest.jobPolls} | ${verdict(longest.jobPolls <= 60)} |`);
    const events = new Set(s.polling.figures.flatMap((r) => (r.historyEvents === undefined ? [] : [r.historyEvents])));
    goals.push(`| a build's history the same length at every job length | ${[...events].join(', ')} events | ${verdict(events.size === 1)} |`);
  }
  if (goals.length) out.push(`### Goals\n\n| goal | measured | |\n| --- | --- | --- |\n${goals.join('\n')}`);
  return out.join('\n\n');
}
