// Hands the sealed credential of a request (the CREDENTIAL_HEADER of the start, of an update or of a
// signal) to the workflow code, which cannot read headers itself. Registered with the bundle as a
// workflow interceptor module (src/worker/bundle.ts). Kept on globalThis: the SDK gives every
// workflow its own globals, also when workflows share one V8 context. A message's credential is
// there only while its handler starts (handlers take it before their first await).
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import type { WorkflowInboundCallsInterceptor, WorkflowInterceptorsFactory } from '@temporalio/workflow';
import { CREDENTIAL_HEADER } from '../../shared/identity';

const START = '__dbaasStartCredential';
const MESSAGE = '__dbaasMessageCredential';
type Slots = { [START]?: string; [MESSAGE]?: string };
const slots = () => globalThis as Slots;

function credentialOf(headers: Record<string, Payload>): string | undefined {
  const header = headers[CREDENTIAL_HEADER];
  const value: unknown = header ? defaultPayloadConverter.fromPayload(header) : undefined;
  return typeof value === 'string' ? value : undefined;
}

/** Puts a message's credential in reach of its handler's synchronous start, and no longer. */
function duringHandler<T>(headers: Record<string, Payload>, handle: () => T): T {
  slots()[MESSAGE] = credentialOf(headers);
  try {
    return handle();
  } finally {
    delete slots()[MESSAGE];
  }
}

class RequestCredentials implements WorkflowInboundCallsInterceptor {
  execute: NonNullable<WorkflowInboundCallsInterceptor['execute']> = (input, next) => {
    slots()[START] = credentialOf(input.headers);
    return next(input);
  };
  handleUpdate: NonNullable<WorkflowInboundCallsInterceptor['handleUpdate']> = (input, next) => duringHandler(input.headers, () => next(input));
  handleSignal: NonNullable<WorkflowInboundCallsInterceptor['handleSignal']> = (input, next) => duringHandler(input.headers, () => next(input));
}

export const interceptors: WorkflowInterceptorsFactory = () => ({ inbound: [new RequestCredentials()] });

const take = (slot: typeof START | typeof MESSAGE): string | undefined => {
  const value = slots()[slot];
  delete slots()[slot];
  return value;
};

/** The start request's sealed credential, once (it is not kept around after the check). */
export const takeStartCredential = () => take(START);
/** The sealed credential of the update or signal whose handler is starting. */
export const takeMessageCredential = () => take(MESSAGE);
