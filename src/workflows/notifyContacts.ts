// notifyContacts: the dispatcher of applications' notifications (issue 14), one per task queue
// (id notify:contacts:<taskQueue>, started by `dbaas app create`). An outbox over the audit trail: each
// pass reads the audit events after its cursor that contacts hear of (failed operations and their
// rollbacks, maintainers' attention, rollouts' own events), and posts each to the contacts of the
// applications owning its service (src/activities/contacts.ts); then it sleeps. No operation's code
// changes for it: running workflows replay as before. The cursor is the workflow's state, carried
// through continue-as-new; each delivery is recorded in the store, so a retried pass posts nothing
// twice to a contact that answered.
import { ApplicationFailure, continueAsNew, defineQuery, proxyActivities, setHandler, sleep, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { notifyContactsInputSchema, type NotifyContactsInput } from '../shared/applications';
import { FAILURE_TYPES } from '../shared/failures';
import { describeZodError } from '../shared/schemas';
import { RunRules } from './support/rules';

export interface NotifyContactsProgress {
  operation: 'notifyContacts';
  state: 'running';
  /** The last audit event id handled. */
  cursor?: string;
  passes: number;
  delivered: number;
  failed: number;
}

export const notifyContactsProgressQuery = defineQuery<NotifyContactsProgress>('progress');

/** A pass posts to webhooks with retries of its own (heartbeating); retried after a worker crash, skipping what was delivered. */
const dispatcher = proxyActivities<Activities>({
  startToCloseTimeout: '15m',
  heartbeatTimeout: '15s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '30s', nonRetryableErrorTypes: [FAILURE_TYPES.invalidInput] },
});

/** A run hands over (continue-as-new) after this many passes even if Temporal has not suggested it yet. */
const PASSES_PER_RUN = 500;

export async function notifyContacts(input: NotifyContactsInput = {}): Promise<never> {
  // Decides the run's rules version (one marker in the first task, like every workflow of this code).
  new RunRules();
  const parsed = notifyContactsInputSchema.safeParse(input);
  if (!parsed.success) throw ApplicationFailure.nonRetryable(`invalid notifyContacts input: ${describeZodError(parsed.error)}`, FAILURE_TYPES.invalidInput);
  const opts = parsed.data;
  const progress: NotifyContactsProgress = { operation: 'notifyContacts', state: 'running', cursor: opts.afterEventId, passes: 0, delivered: 0, failed: 0 };
  setHandler(notifyContactsProgressQuery, () => progress);
  for (;;) {
    const { batchSize, maxAttempts, retryInitialMs, settledMs } = opts;
    const r = await dispatcher.dispatchNotifications({ afterEventId: progress.cursor, batchSize, maxAttempts, retryInitialMs, settledMs });
    progress.cursor = r.lastEventId;
    progress.passes += 1;
    progress.delivered += r.delivered;
    progress.failed += r.failed;
    if (workflowInfo().continueAsNewSuggested || progress.passes >= PASSES_PER_RUN) {
      await continueAsNew<typeof notifyContacts>({ ...input, afterEventId: progress.cursor });
    }
    // A full batch: more may be waiting, read on at once.
    if (r.read < opts.batchSize) await sleep(opts.pollSeconds * 1000);
  }
}
