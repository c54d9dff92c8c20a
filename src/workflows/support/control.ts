// Control messages of long-running workflows: each request is an update (the caller learns at once
// whether it made sense) and a same-named signal for fire-and-forget callers (ignored when it makes
// no sense). One registration does both, so the two can never disagree.
import { ApplicationFailure, type SignalDefinition, type UpdateDefinition } from '@temporalio/common';
import { log, setHandler } from '@temporalio/workflow';
import { FAILURE_TYPES } from '../../shared/failures';

/** Refuses an update (in its validator): nothing is written to history. */
export function reject(message: string): never {
  throw ApplicationFailure.nonRetryable(message, FAILURE_TYPES.invalidRequest);
}

export interface ControlHandler<A, R> {
  /** Why the request makes no sense now; undefined when it may run. */
  refuse(arg: A): string | undefined;
  run(arg: A): R;
}

export function onControl<A, R>(update: UpdateDefinition<R, [A]>, signal: SignalDefinition<[A]>, handler: ControlHandler<A, R>): void {
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
