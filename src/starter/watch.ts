// `--wait`: follows a workflow until it ends, printing each change of step, job and API message, and
// turns Ctrl+C into a cancellation request (the operation then rolls back) instead of walking away.
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import type { EncryptionCodec } from '../worker/codec';
import { readProgress, type LiveProgress } from './temporal';

export interface WatchOutcome {
  ok: boolean;
  result?: unknown;
  error?: string;
  errorType?: string;
  progress?: LiveProgress;
}

export interface WatchOptions {
  quiet?: boolean;
  pollMs?: number;
  write?: (line: string) => void;
  /** Cancel the workflow on the first Ctrl+C (default true). */
  cancelOnInterrupt?: boolean;
}

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
  const started = Date.now();
  let lastLine = '';
  let last: LiveProgress | undefined;
  let interrupts = 0;
  const onInterrupt = () => {
    interrupts += 1;
    if (interrupts > 1 || options.cancelOnInterrupt === false) {
      write('Stopped watching; the workflow goes on (dbaas status / dbaas cancel).');
      process.exit(130);
    }
    write('Cancellation requested: the operation stops and rolls back what it did. Ctrl+C again to stop watching.');
    void handle.cancel().catch((err: unknown) => write(`could not cancel: ${err instanceof Error ? err.message : String(err)}`));
  };
  process.on('SIGINT', onInterrupt);
  try {
    for (;;) {
      try {
        last = await readProgress(handle, codec);
      } catch (err) {
        if (!options.quiet) write(`  (progress unavailable: ${err instanceof Error ? err.message : String(err)})`);
      }
      if (last && !options.quiet) {
        const p = last.progress;
        const job = p?.jobId ? ` job ${p.jobId}` : '';
        const status = last.live?.jobStatus ?? last.live?.status;
        const message = last.live?.messages?.at(-1) ?? p?.messages.at(-1);
        const line = `${p?.step ?? 'starting'}${job}${status ? ` [${status}]` : ''}${message ? `  ${message}` : ''}${last.live?.lastError ? `  (retrying: ${last.live.lastError})` : ''}`;
        if (line !== lastLine) {
          write(`  [${fmtElapsed(Date.now() - started)}] ${line}`);
          lastLine = line;
        }
      }
      if (last && last.workflowStatus !== 'RUNNING') break;
      await new Promise((r) => setTimeout(r, options.pollMs ?? 1_000));
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
