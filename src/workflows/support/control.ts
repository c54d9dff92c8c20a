// Control messages of long-running workflows: each request is an update (the caller learns at once
// whether it made sense) and a same-named signal for fire-and-forget callers (ignored when it makes
// no sense). One registration does both, so the two can never disagree.
import { ApplicationFailure, type SignalDefinition, type UpdateDefinition } from '@temporalio/common';
import { log, setHandler } from '@temporalio/workflow';
import type { ZodType, ZodTypeDef } from 'zod';
import { FAILURE_TYPES, rootMessage } from '../../shared/failures';
import { describeZodError } from '../../shared/schemas';
import type { SenderCheck } from './requester';
import type { RunRules } from './rules';

/** Refuses an update (in its validator): nothing is written to history. */
export function reject(message: string): never {
  throw ApplicationFailure.nonRetryable(message, FAILURE_TYPES.invalidRequest);
}

export interface ControlHandler<A, R> {
  /** Why the request makes no sense now; undefined when it may run. */
  refuse(arg: A): string | undefined;
  /** `by`: the sender, when it was checked (verified, or marked unverified). */
  run(arg: A, by?: string): R;
}

/** What runs that check their control messages (support/rules.ts: checkedControlMessages) check. */
export interface ControlChecks<A> {
  rules: RunRules;
  /** The argument: an update that fails it is refused naming the field, a signal ignored. */
  schema: ZodType<A, ZodTypeDef, unknown>;
  /** Who sends it: checked like a start of the workflow's operation (support/requester.ts). */
  sender: SenderCheck;
}

export function onControl<A, R>(update: UpdateDefinition<R, [A]>, signal: SignalDefinition<[A]>, handler: ControlHandler<A, R>, checks?: ControlChecks<A>): void {
  if (checks?.rules.follows('checkedControlMessages')) return onCheckedControl(update, signal, handler, checks);
  setHandler(update, (arg: A) => handler.run(arg), {
    validator: (arg: A) => {
      const why = handler.refuse(arg);
      if (why) reject(why);
    },
  });
  setHandler(signal, (arg: A) => {
    const why = handler.refuse(arg);
    if (why) log.info('signal ignored', { signal: signal.name, why });
    else handler.run(arg);
  });
}

const claimedBy = (arg: unknown) => (arg && typeof arg === 'object' && 'by' in arg && typeof arg.by === 'string' ? arg.by : undefined);

/**
 * The argument is checked first (no history for a refused update). Then the sender: a refused
 * update fails with PermissionDenied, a refused signal is dropped, both audited by the check. Then,
 * since the run went on while the check ran, whether the message still makes sense.
 */
function onCheckedControl<A, R>(update: UpdateDefinition<R, [A]>, signal: SignalDefinition<[A]>, handler: ControlHandler<A, R>, { schema, sender }: ControlChecks<A>): void {
  /** The parsed argument, or why the message makes no sense (now: the run goes on while the sender is checked). */
  const check = (name: string, arg: unknown): { arg: A } | { why: string } => {
    const parsed = schema.safeParse(arg);
    if (!parsed.success) return { why: `invalid ${name} request: ${describeZodError(parsed.error)}` };
    const why = handler.refuse(parsed.data);
    return why ? { why } : { arg: parsed.data };
  };
  const validator = (arg: unknown) => {
    const checked = check(update.name, arg);
    if ('why' in checked) reject(checked.why);
  };
  setHandler(
    update,
    async (arg: A) => {
      const by = await sender.verify(update.name, claimedBy(arg));
      const checked = check(update.name, arg);
      if ('why' in checked) reject(checked.why);
      return handler.run(checked.arg, by);
    },
    { validator },
  );
  setHandler(signal, async (arg: A) => {
    const first = check(signal.name, arg);
    if ('why' in first) return void log.info('signal ignored', { signal: signal.name, why: first.why });
    let by: string;
    try {
      by = await sender.verify(signal.name, claimedBy(arg));
    } catch (err) {
      return void log.warn('signal refused', { signal: signal.name, why: rootMessage(err) });
    }
    const checked = check(signal.name, arg);
    if ('why' in checked) log.info('signal ignored', { signal: signal.name, why: checked.why });
    else handler.run(checked.arg, by);
  });
}
