// RELIABILITY.md: what a chaos run did and how it ended, in figures.
import type { Verdict } from './verdict';

export interface ChaosRun {
  ops: number;
  minutes: number;
  killEverySeconds: number;
  verdict: Verdict;
  recoveries: { what: string; seconds: number }[];
  refusedBusy: number;
  injected: number;
  totalCalls: number;
  wallSeconds: number;
}

/** Failures a correct run ends in under this load, and why. */
const EXPECTED_FAILURES: Record<string, string> = {
  InvalidInput: 'a scale to the shape the service already had (the load picks shapes at random), refused before any cloud call',
  CloudBusy: 'the API reported the service busy with another job past the retries',
};

const list = (items: string[]) => (items.length === 0 ? '0' : `${items.length}: ${items.slice(0, 10).join('; ')}${items.length > 10 ? '; …' : ''}`);
const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]! : 0);

export function renderReliability(run: ChaosRun): string {
  const v = run.verdict;
  const kinds = Object.entries(v.byKind)
    .map(([k, c]) => `| ${k} | ${c.succeeded + c.failed + c.stuck} | ${c.succeeded} | ${c.failed} | ${c.stuck} |`)
    .join('\n');
  const byWhat = new Map<string, number[]>();
  for (const r of run.recoveries) {
    const key = r.what.replace(/worker \d/, 'a worker');
    byWhat.set(key, [...(byWhat.get(key) ?? []), r.seconds]);
  }
  const recoveries = [...byWhat.entries()].map(([what, s]) => `| ${what} | ${s.length} | ${median(s).toFixed(1)} s | ${Math.max(...s).toFixed(1)} s |`).join('\n');
  const right = v.started - v.stuck.length;
  return `# Reliability: the chaos run

\`npm run chaos -- --ops ${run.ops} --minutes ${run.minutes}\` on this machine (2 cores): two temporal-server
v1.29.1 processes on PostgreSQL, two workers, the simulator injecting faults into 30 % of API calls
(20 % 5xx/429 with Retry-After, 5 % connections dropped before the work, 5 % after it), a worker
SIGKILLed every ${run.killEverySeconds} s, one temporal-server process SIGKILLed and restarted, PostgreSQL crashed and restarted once.
Wall time ${Math.round(run.wallSeconds)} s; ${run.totalCalls} API calls, ${run.injected} of them faulted.

## Outcome

- operations started: ${v.started} (and ${run.refusedBusy} refused at start by Temporal because another operation held the service)
- reached a terminal state: ${right} of ${v.started} (${((100 * right) / Math.max(1, v.started)).toFixed(1)} %); succeeded ${v.succeeded}, failed ${v.failed}${Object.keys(v.failureTypes).length ? ` (${Object.entries(v.failureTypes).map(([t, n]) => `${t} ${n}`).join(', ')})` : ''}
${Object.keys(v.failureTypes).map((t) => `- ${t}: ${EXPECTED_FAILURES[t] ?? 'NOT EXPECTED under this load'}`).join('\n')}
- stuck (no end 10 min after the load): ${list(v.stuck)}
- duplicate creates (a service with two create jobs): ${list(v.duplicateCreates)}
- leaked instances (live, not owned by a succeeded build): ${list(v.leakedInstances)}
- missing instances (a succeeded build's service gone without a succeeded delete): ${list(v.missingInstances)}
- audit problems (an event missing or written twice): ${list(v.auditProblems)}

| operation | started | succeeded | failed | stuck |
|---|---|---|---|---|
${kinds}

## Recovery after each kill

| what | times | median | max |
|---|---|---|---|
${recoveries}
`;
}
