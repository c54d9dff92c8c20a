// `--wait`: follows a workflow until it ends (or until --max-wait), printing each change of step, job
// and API message, and turns Ctrl+C into a cancellation request (the operation then rolls back)
// instead of walking away.
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { EncryptionCodec } from '../worker/codec';
import { formatDuration } from './duration';
import { EXIT } from './exit-codes';
import { readProgress, type LiveProgress } from './temporal';

export interface WatchOutcome {
  ok: boolean;
  /** --max-wait passed first: nobody watches any more, the workflow goes on. */
  stillRunning?: boolean;
  result?: unknown;
  error?: string;
  errorType?: string;
  progress?: LiveProgress;
}

export interface WatchOptions {
  /** No progress lines (-o json prints one object at the end). */
  quiet?: boolean;
  /** Progress as JSON lines (-o jsonl): one object per change. */
  jsonl?: boolean;
  pollMs?: number;
  /** Stop watching after this long (--max-wait). */
  maxWaitMs?: number;
  write?: (line: string) => void;
  /** Cancel the workflow on the first Ctrl+C (default true). */
  cancelOnInterrupt?: boolean;
}

/** When a watch gives up (--max-wait): `passed()` and a sleep that never runs past it. */
export function watchDeadline(maxWaitMs: number | undefined, now = Date.now) {
  const end = maxWaitMs === undefined ? Infinity : now() + maxWaitMs;
  return {
    passed: () => now() >= end,
    sleep: (ms: number) => new Promise<void>((r) => setTimeout(r, Math.max(0, Math.min(ms, end - now())))),
  };
}

/** What the CLI says when --max-wait passes: nothing was cancelled, and how to go on watching. */
export const stoppedWatching = (maxWaitMs: number, what: string, follow: string) =>
  `Stopped watching after ${formatDuration(maxWaitMs)} (--max-wait): ${what} is still running and goes on; nothing was cancelled. Follow it: ${follow} (exit ${EXIT.stillRunning})`;

const fmtElapsed = (ms: number) => `${(ms / 1000).toFixed(1).padStart(6)}s`;

export function describeFailure(err: unknown): { message: string; type?: string } {
  if (err instanceof WorkflowFailedError) {
    let cause: unknown = err.cause;
    let type: string | undefined;
    let message = err.message;
    while (cause instanceof Error) {
      message = cause.message || message;
      type = (cause as { type?: string }).type ?? type;
      cause = (cause as { cause?: unknown }).cause;
      // The workflow's own ApplicationFailure already names the step and the API's answer.
      if (type) break;
    }
    return { message, type };
  }
  return { message: err instanceof Error ? err.message : String(err) };
}

export async function watchWorkflow(handle: WorkflowHandle, codec: EncryptionCodec, options: WatchOptions = {}): Promise<WatchOutcome> {
  const write = options.write ?? ((line: string) => console.log(line));
  // Notes for the person at the terminal stay off stdout when it carries JSON.
  const note = options.quiet || options.jsonl ? (line: string) => void process.stderr.write(`${line}\n`) : write;
  const started = Date.now();
  let lastLine = '';
  let last: LiveProgress | undefined;
  let interrupts = 0;
  const onInterrupt = () => {
    interrupts += 1;
    if (interrupts > 1 || options.cancelOnInterrupt === false) {
      note('Stopped watching; the workflow goes on (dbaas status / dbaas cancel).');
      process.exit(EXIT.interrupted);
    }
    note('Cancellation requested: the operation stops and rolls back what it did. Ctrl+C again to stop watching.');
    void handle.cancel().catch((err: unknown) => note(`could not cancel: ${err instanceof Error ? err.message : String(err)}`));
  };
  process.on('SIGINT', onInterrupt);
  const deadline = watchDeadline(options.maxWaitMs);
  try {
    for (;;) {
      try {
        last = await readProgress(handle, codec);
      } catch (err) {
        if (!options.quiet && !options.jsonl) write(`  (progress unavailable: ${err instanceof Error ? err.message : String(err)})`);
      }
      if (last && !options.quiet) {
        const p = last.progress;
        const status = last.live?.jobStatus ?? last.live?.status;
        const message = last.live?.messages?.at(-1) ?? p?.messages.at(-1);
        const retrying = last.live?.lastError;
        const state = { workflowStatus: last.workflowStatus, step: p?.step, jobId: p?.jobId, jobStatus: status, message, retrying };
        const text = `${p?.step ?? 'starting'}${p?.jobId ? ` job ${p.jobId}` : ''}${status ? ` [${status}]` : ''}${message ? `  ${message}` : ''}${retrying ? `  (retrying: ${retrying})` : ''}`;
        // A line when something changed (the elapsed time alone is no change).
        const key = options.jsonl ? JSON.stringify(state) : text;
        if (key !== lastLine) {
          const elapsedMs = Date.now() - started;
          write(options.jsonl ? JSON.stringify({ event: 'progress', workflowId: handle.workflowId, elapsedMs, ...state }) : `  [${fmtElapsed(elapsedMs)}] ${text}`);
          lastLine = key;
        }
      }
      if (last && last.workflowStatus !== 'RUNNING') break;
      if (deadline.passed()) return { ok: false, stillRunning: true, progress: last };
      await deadline.sleep(options.pollMs ?? 1_000);
    }
    try {
      return { ok: true, result: await handle.result(), progress: last };
    } catch (err) {
      const { message, type } = describeFailure(err);
      return { ok: false, error: message, errorType: type, progress: last };
    }
  } finally {
    process.off('SIGINT', onInterrupt);
  }
}
