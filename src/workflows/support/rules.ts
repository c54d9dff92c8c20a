// Which version of the workflow rules a run follows, decided once, in the run's first activation.
//
// Every rule change since the first release is one entry of RULE_CHANGES. A run that starts on this
// code records a single patch marker (CURRENT_RULES) before anything else and follows every change.
// A run that started on older code has no such marker: it follows the changes that code already had,
// asked for with their own patch ids exactly where that code asked (ASKED_MID_RUN), and none of the
// newer ones, to its end; its next run (continue-as-new) follows today's rules.
//
// Why not one patched() call per change where it matters: a patch first asked for mid-run, right
// after a local activity that outlived a workflow-task heartbeat on a loaded worker, made the run
// fail replay on the next worker ("patch marker encountered ... but there is no corresponding change
// command") and hang. Asked before any activity, a marker is always in the run's first task.
import { patched } from '@temporalio/workflow';

/**
 * The patch id of each version of the rules, oldest first; a run started on this code records the
 * last. The next rule change: add a version here and mark its changes with it in SINCE.
 */
export const RULE_VERSIONS = ['rules-2026-11', 'rules-2026-12', 'rules-2027-01'] as const;
export const CURRENT_RULES = RULE_VERSIONS.at(-1)!;

export const RULE_CHANGES = {
  /** Audit writes are local activities (regular activities before). */
  auditAsLocalActivity: 'audit-as-local-activity',
  /** Reads of a service are local activities. */
  readsAsLocalActivities: 'reads-as-local-activities',
  /** patchService's health gate reads the service once before polling it. */
  healthGateReadFirst: 'health-gate-read-first',
  /** maintainService: a Failed service goes to a human at once instead of a restart the API refuses. */
  attentionWhenNoRecovery: 'attention-when-no-recovery',
  /** maintainService: a failing scale backs off and ends in needs_attention like a failing start. */
  backoffEveryFailedAction: 'backoff-every-failed-action',
  /** A rollback runs its compensations first and writes `failed` beside them (not before them). */
  undoBeforeAudit: 'undo-before-audit',
  /** buildService's rollback deletes only an instance its own create made, and waits out the 404 window after a create. */
  adoptOnlyOwnCreate: 'adopt-only-own-create',
  /** buildService: once the service is confirmed Running, nothing deletes it. */
  keepBuiltService: 'keep-built-service',
  /** maintainService: drift_detected once per drift and drift_resolved when it ends; attention_cleared when needs_attention ends. */
  lastingConditionEvents: 'maintain-lasting-condition-events',
  /** maintainService: a healthy service in needs_attention gets one retry of its correction after each back-off. */
  attentionRetry: 'maintain-attention-retry',
  /** maintainService: pause is a flag kept through needs_attention and actions; pause, resume and setDesired are audited. */
  controlMessages: 'maintain-control-messages',
  /** maintainService: the recovery restart asks changeLifecycle for `recovery: true`. */
  recoveryRestart: 'maintain-recovery-restart',
  /** rollingPatch: busy services wait in rounds; a cancel shields the rollback; failure details decide what to roll back. */
  rolloutBusyRounds: 'rollout-busy-rounds',
  /** rollingPatch: the maintenance window is checked again right before each batch. */
  rolloutWindowRecheck: 'rollout-window-recheck',
  /** rollingPatch: pause, resume, abort and approve are audited. */
  rolloutControlAudit: 'rollout-control-audit',
  /** rollingPatch: a busy service is waited for only inside the window. */
  rolloutBusyWindow: 'rollout-busy-window',
  /** rollingPatch: a rollback waits for a busy service like a patch does. */
  rolloutRollbackBusyWait: 'rollout-rollback-busy-wait',
  /** rollingPatch: control messages that cannot apply are refused, not ignored. */
  rolloutControlRefusals: 'rollout-control-refusals',
  /** rollingPatch: continue-as-new by an event budget of its own. */
  rolloutEventBudget: 'rollout-event-budget',
  /** rollingPatch: pending webhooks and audit writes are flushed before every continue-as-new. */
  rolloutFlushAll: 'rollout-flush-all',
  /** Every operation verifies who asked, against the policy, before anything else (src/shared/identity.ts). */
  verifiedRequester: 'verified-requester',
  /** rollingPatch, maintainService: each control message's argument and sender are checked (support/control.ts). */
  checkedControlMessages: 'checked-control-messages',
  /** rollingPatch: its end (completed, halted, aborted, rolled back) is an audit event, `finished`, that contacts hear of. */
  rolloutEndAudit: 'rollout-end-audit',
} as const;
export type RuleChange = keyof typeof RULE_CHANGES;

/** The version that brought a change (index into RULE_VERSIONS); unlisted changes came with the first. */
const SINCE: Partial<Record<RuleChange, number>> = { verifiedRequester: 1, checkedControlMessages: 1, rolloutEndAudit: 2 };

/** Changes the code before CURRENT_RULES asked for mid-run: runs started on it keep asking there. */
const ASKED_MID_RUN: ReadonlySet<RuleChange> = new Set(['auditAsLocalActivity', 'readsAsLocalActivities', 'healthGateReadFirst', 'attentionWhenNoRecovery', 'backoffEveryFailedAction']);

/** The version whose marker the run carries (-1: none, the run started before versions), newest first. */
function versionOfRun(): number {
  for (let v = RULE_VERSIONS.length - 1; v >= 0; v--) if (patched(RULE_VERSIONS[v]!)) return v;
  return -1;
}

export class RunRules {
  /** The rules version this run follows. Must be constructed in the run's first activation, before any await. */
  readonly version = versionOfRun();

  /** Whether this run started on this code. */
  get current(): boolean {
    return this.version === RULE_VERSIONS.length - 1;
  }

  follows(change: RuleChange): boolean {
    if (this.version >= 0) return this.version >= (SINCE[change] ?? 0);
    return ASKED_MID_RUN.has(change) && patched(RULE_CHANGES[change]);
  }
}
