// The chaos run's judge: it must see leaks, missing instances, duplicate creates, stuck runs and
// audit trails with an event missing or written twice (a verdict that cannot fail proves nothing).
import { describe, expect, it } from 'vitest';
import type { AuditRecord } from '../../src/audit/types';
import { DbcsSimulator } from '../../src/simulator/server';
import { DOMAIN, type Kind, type TrackedOp } from '../../scripts/chaos/load';
import { judge } from '../../scripts/chaos/verdict';

const op = (kind: Kind, serviceName: string, startedAt: number): TrackedOp => ({ kind, serviceName, startedAt, handle: { workflowId: `svc:${DOMAIN}:${serviceName}`, firstExecutionRunId: `run-${startedAt}` } as TrackedOp['handle'] });
const record = (o: TrackedOp, event: string, key = event) => ({ workflowId: o.handle.workflowId, runId: o.handle.firstExecutionRunId, event, idempotencyKey: key }) as unknown as AuditRecord;
const create = (sim: DbcsSimulator, name: string) =>
  sim.state.submit({ domain: DOMAIN, serviceName: name, requestName: 'create', operation: 'CREATE', durationMs: 1, createdBy: 'test', requestParams: {}, submittedMessage: 'submitted', steps: [], onSuccess: () => undefined, onFailure: () => undefined });

describe('chaos verdict', () => {
  it('finds nothing wrong in a clean run', () => {
    const sim = new DbcsSimulator({});
    sim.seed(DOMAIN, ['kept']);
    const build = op('buildService', 'kept', 1);
    const v = judge([{ op: build, outcome: 'succeeded' }], sim, ['kept'], [record(build, 'requested'), record(build, 'started'), record(build, 'succeeded')]);
    expect(v).toMatchObject({ started: 1, succeeded: 1, failed: 0, stuck: [], duplicateCreates: [], leakedInstances: [], missingInstances: [], auditProblems: [] });
  });

  it('names leaks, missing instances, duplicate creates, stuck runs and audit problems', () => {
    const sim = new DbcsSimulator({});
    sim.seed(DOMAIN, ['leaked', 'twice']);
    create(sim, 'twice');
    create(sim, 'twice');
    const twice = op('buildService', 'twice', 1);
    const gone = op('buildService', 'gone', 2);
    const failed = op('buildService', 'leaked', 3);
    const stuck = op('scaleService', 'twice', 4);
    const v = judge(
      [
        { op: twice, outcome: 'succeeded' },
        { op: gone, outcome: 'succeeded' },
        { op: failed, outcome: 'failed', failureType: 'JobFailed' },
        { op: stuck, outcome: 'stuck' },
      ],
      sim,
      [],
      [record(twice, 'requested'), record(twice, 'succeeded'), record(twice, 'succeeded'), record(gone, 'requested'), record(gone, 'requested', 'again'), record(gone, 'succeeded'), record(failed, 'requested')],
    );
    expect(v.leakedInstances).toEqual(['leaked']);
    expect(v.missingInstances).toEqual(['gone']);
    expect(v.duplicateCreates).toEqual(['twice']);
    expect(v.stuck).toEqual([`scaleService ${stuck.handle.workflowId}`]);
    expect(v.failureTypes).toEqual({ JobFailed: 1 });
    expect(v.auditProblems).toHaveLength(4); // twice: a key written twice and two `succeeded`; gone: `requested` twice; leaked: failed without `failed`
  });
});
