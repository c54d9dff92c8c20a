// The chaos run's mixed load: builds of new services, then scales, lifecycle changes and deletes of
// services built earlier, one fleet rollout and a few maintained services. Every operation started is
// tracked with what a correct run must end in.
import { WorkflowExecutionAlreadyStartedError, type Client, type WorkflowHandleWithFirstExecutionRunId } from '@temporalio/client';
import { serviceWorkflowId } from '../../src/shared/contract';
import { maintainWorkflowId } from '../../src/shared/maintain';
import { rolloutWorkflowId } from '../../src/shared/patching';
import { benchBuildInput } from '../bench/env';

export const DOMAIN = 'chaos';
export const PATCH = '12201-190416';

export type Kind = 'buildService' | 'scaleService' | 'changeLifecycle' | 'deleteService' | 'rollingPatch' | 'maintainService';

export interface TrackedOp {
  kind: Kind;
  serviceName: string;
  handle: WorkflowHandleWithFirstExecutionRunId;
  startedAt: number;
}

/** The services the load may act on: built by a succeeded build and not deleted since. */
export class Fleet {
  readonly live = new Set<string>();
  private built = 0;

  nextName(): string {
    this.built += 1;
    return `db-${String(this.built).padStart(4, '0')}`;
  }

  pick(random: () => number): string | undefined {
    const names = [...this.live];
    return names[Math.floor(random() * names.length)];
  }
}

export class Load {
  readonly ops: TrackedOp[] = [];
  /** Operations refused at start because another held the service (not counted: Temporal refused them). */
  refusedBusy = 0;

  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly fleet: Fleet,
    private readonly random: () => number,
  ) {}

  /** Starts one operation of the mix: 40 % builds, 20 % scales, 20 % lifecycle changes, 20 % deletes. */
  async startOne(): Promise<void> {
    const r = this.random();
    const target = this.fleet.pick(this.random);
    if (r < 0.4 || !target) return this.start('buildService', this.fleet.nextName(), (name) => benchBuildInput(DOMAIN, name));
    if (r < 0.6) return this.start('scaleService', target, (name) => ({ identityDomain: DOMAIN, serviceName: name, shape: this.random() < 0.5 ? 'oc4' : 'oc5' }));
    if (r < 0.8) return this.start('changeLifecycle', target, (name) => ({ identityDomain: DOMAIN, serviceName: name, lifecycleState: 'restart' }));
    this.fleet.live.delete(target); // no further operation is started on a service being deleted
    return this.start('deleteService', target, (name) => ({ identityDomain: DOMAIN, serviceName: name, confirm: name }));
  }

  async startRollout(services: string[]): Promise<void> {
    const handle = await this.client.workflow.start('rollingPatch', {
      taskQueue: this.taskQueue,
      workflowId: rolloutWorkflowId(DOMAIN, PATCH),
      args: [{ identityDomain: DOMAIN, patchId: PATCH, services, maxParallel: 4, healthTimeoutSeconds: 120 }],
    });
    this.ops.push({ kind: 'rollingPatch', serviceName: '*', handle, startedAt: Date.now() });
  }

  async startMaintained(names: string[]): Promise<void> {
    for (const name of names) {
      const handle = await this.client.workflow.start('maintainService', {
        taskQueue: this.taskQueue,
        workflowId: maintainWorkflowId(DOMAIN, name),
        args: [{ identityDomain: DOMAIN, serviceName: name, passIntervalSeconds: 5 }],
      });
      this.ops.push({ kind: 'maintainService', serviceName: name, handle, startedAt: Date.now() });
    }
  }

  private async start(kind: Kind, serviceName: string, input: (name: string) => unknown): Promise<void> {
    try {
      const handle = await this.client.workflow.start(kind, { taskQueue: this.taskQueue, workflowId: serviceWorkflowId(DOMAIN, serviceName), args: [input(serviceName)], workflowIdConflictPolicy: 'FAIL' });
      this.ops.push({ kind, serviceName, handle, startedAt: Date.now() });
      // A built service joins the fleet the rest of the load acts on.
      if (kind === 'buildService') handle.result().then(() => this.fleet.live.add(serviceName), () => undefined);
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      this.refusedBusy += 1;
      if (kind === 'deleteService') this.fleet.live.add(serviceName);
    }
  }
}
