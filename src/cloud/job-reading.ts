// One reading of every kind of async job. Service jobs answer with `job_status` (§1.4), precheck jobs
// with `view-precheck-response`, apply and rollback jobs with `applied-patch` (§2.9); each is read in
// its own shape into a JobReading. A body from which no status can be read is an error, never
// "still running": a changed or broken API then stops a wait loudly instead of holding it forever.
import { CloudApiError } from './errors';
import { messageList, precheckJobSchema, type AppliedPatchJob, type PrecheckJob, type ServiceJobAnswer } from './schemas';

export type JobState = 'running' | 'succeeded' | 'failed';

export interface JobReading {
  state: JobState;
  /** The status as the API wrote it (`InProgress`, `IN PROGRESS`, `COMPLETED`…), or `inProgress: true`. */
  rawStatus: string;
  /** Progress and result messages, oldest first. */
  messages: string[];
  /** Service jobs: the status of the instance. */
  instanceStatus?: string;
  /** Service jobs: the service the job works on. */
  serviceName?: string;
  /** Precheck jobs: the problems found (empty: none). */
  findings?: string[];
  /** Apply and rollback jobs: the service's patch level. */
  patchLevel?: string;
  /** Service jobs: e.g. `create-dbaas-service`. */
  operation?: string;
}

/** The documented values and the plausible spellings of the undocumented ones (§1.4: GOT, CO). */
const STATUS_WORDS = new Map<string, JobState>([
  ['INPROGRESS', 'running'],
  ['RUNNING', 'running'],
  ['NEW', 'running'],
  ['SUBMITTED', 'running'],
  ['PENDING', 'running'],
  ['COMPLETED', 'succeeded'],
  ['SUCCEEDED', 'succeeded'],
  ['SUCCEED', 'succeeded'],
  ['SUCCESS', 'succeeded'],
  ['PASSED', 'succeeded'],
  ['FAILED', 'failed'],
  ['FAILURE', 'failed'],
  ['ERROR', 'failed'],
]);

/** What a status word means, in any case and spacing (`IN PROGRESS`, `InProgress`, `in_progress`); undefined when unknown. */
export function jobStateOf(status: string): JobState | undefined {
  return STATUS_WORDS.get(status.toUpperCase().replace(/[\s_-]+/g, ''));
}

export function readServiceJob(body: ServiceJobAnswer, job: string): JobReading {
  const raw = body.job_status;
  const state = raw === undefined ? undefined : jobStateOf(raw);
  if (raw === undefined || !state) throw unreadable(job, 'job_status', `job_status ${seen(body, 'job_status')}`, body);
  return { state, rawStatus: raw, messages: messageList(body.message), instanceStatus: body.status, serviceName: body.service_name, operation: body.job_operation };
}

export function readPrecheckJob(answer: PrecheckJob, job: string): JobReading {
  const body = withJsonResult(answer);
  const { state, rawStatus } = patchJobStatus(body, ['status', 'lastStatus'], job);
  const findings = (body.preCheckMessages ?? []).map(messageText).filter((m) => m !== '');
  return { state, rawStatus, messages: body.resultMessage ? [body.resultMessage] : [], findings };
}

export function readAppliedPatchJob(body: AppliedPatchJob, job: string): JobReading {
  const { state, rawStatus } = patchJobStatus(body, ['lastStatus', 'status'], job);
  const patchLevel = body.currentPatchLevel ?? undefined;
  const said = [...messageList(body.message), ...(body.resultMessage ? [body.resultMessage] : [])];
  // The documented shape has no message: say what it does tell (a failed job's error quotes this).
  const summary = `${body.displayName ? `patch ${body.displayName}` : 'patch job'}: ${rawStatus}${patchLevel ? ` (patch level ${patchLevel})` : ''}`;
  return { state, rawStatus, messages: said.length > 0 ? said : [summary], patchLevel };
}

/**
 * Patch jobs: the first status field that is set decides when it names an end (COMPLETED, FAILED):
 * the end wins over an `inProgress` flag that has not caught up. A running word, or `inProgress:
 * true`, is running (bounded by the wait's deadline). No readable status at all is unreadable.
 */
function patchJobStatus(body: Record<string, unknown> & { inProgress?: boolean | null }, fields: string[], job: string): { state: JobState; rawStatus: string } {
  const named = fields.map((f) => body[f]).find((v): v is string => typeof v === 'string' && v.trim() !== '');
  const state = named === undefined ? undefined : jobStateOf(named);
  if (named !== undefined && (state === 'succeeded' || state === 'failed')) return { state, rawStatus: named };
  if (state === 'running' || body.inProgress === true) return { state: 'running', rawStatus: named ?? 'inProgress: true' };
  const got = ['inProgress', ...fields].map((f) => `${f} ${seen(body, f)}`).join(', ');
  throw unreadable(job, ['inProgress', ...fields].join(', '), got, body);
}

/** Older pages carry the precheck's result in `jsonResult`; the current fields win where both are set. */
function withJsonResult(body: PrecheckJob): PrecheckJob {
  let result = body.jsonResult;
  if (typeof result === 'string') {
    const text = result;
    try {
      result = JSON.parse(text) as unknown;
    } catch {
      result = text; // plain text: the result message
    }
  }
  if (result === undefined || result === null) return body;
  if (Array.isArray(result)) return { ...body, preCheckMessages: body.preCheckMessages ?? (result as PrecheckJob['preCheckMessages']) };
  const inner = typeof result === 'object' ? precheckJobSchema.safeParse(result) : undefined;
  if (!inner?.success) return { ...body, resultMessage: body.resultMessage ?? (typeof result === 'string' ? result : jsonExcerpt(result, 2000)) };
  const merged: Record<string, unknown> = { ...inner.data };
  for (const [k, v] of Object.entries(body)) if (v !== undefined && v !== null) merged[k] = v;
  return merged as PrecheckJob;
}

function messageText(item: unknown): string {
  if (typeof item === 'string') return item.trim();
  if (item === null || typeof item !== 'object') return item === undefined || item === null ? '' : String(item as number);
  const text = ['message', 'text', 'description', 'resultMessage'].map((k) => (item as Record<string, unknown>)[k]).find((v): v is string => typeof v === 'string' && v.trim() !== '');
  // An item whose text field we do not know is still a finding: show all of it rather than drop it.
  return text?.trim() ?? jsonExcerpt(item, 2000);
}

/**
 * A value of an answer as JSON text, cut to `max` characters. Never throws: a structure too deep for
 * JSON.stringify (a hostile or broken answer) is described instead of crashing the reading.
 */
export function jsonExcerpt(value: unknown, max: number): string {
  let shown: string;
  try {
    shown = JSON.stringify(value) ?? String(value);
  } catch {
    shown = Array.isArray(value) ? '[… too deeply nested to show]' : '{… too deeply nested to show}';
  }
  return shown.length > max ? `${shown.slice(0, max)}…` : shown;
}

function seen(body: Record<string, unknown>, field: string): string {
  if (body[field] === undefined) return 'missing';
  return jsonExcerpt(body[field], 120);
}

function unreadable(job: string, lookedFor: string, got: string, body: Record<string, unknown>): CloudApiError {
  const keys = Object.keys(body);
  const fields = keys.slice(0, 15).map((k) => (k.length > 40 ? `${k.slice(0, 40)}…` : k)).join(', ') + (keys.length > 15 ? `, … (${keys.length} in all)` : '') || 'none';
  return new CloudApiError(`DBCS ${job}: no job status can be read from the answer (looked for ${lookedFor}; got ${got}; its fields: ${fields})`, 'invalid-response', false, {
    operation: `read ${job}`,
  });
}
