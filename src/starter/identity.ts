// The CLI's side of "who asked": the operator's token (from their identity provider, or `npm run
// token` locally) is sealed for the one workflow it starts and sent in a header; the worker verifies
// it before any cloud call (src/activities/requester.ts), and checks the sender of each control
// message (pause, approve, …) the same way. Without a token the request is unsigned,
// which only a worker in development mode accepts.
import { readFileSync } from 'node:fs';
import type { WorkflowClientInterceptor } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { sealCredential } from '../auth/sealed-credential';
import { CREDENTIAL_HEADER } from '../shared/identity';
import type { EncryptionCodec } from '../worker/codec';

/** DBAAS_TOKEN, or the first line of DBAAS_TOKEN_FILE; undefined when neither is set. */
export function requesterToken(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.DBAAS_TOKEN?.trim()) return env.DBAAS_TOKEN.trim();
  if (!env.DBAAS_TOKEN_FILE) return undefined;
  try {
    return readFileSync(env.DBAAS_TOKEN_FILE, 'utf8').trim().split('\n')[0] || undefined;
  } catch {
    throw new Error(`DBAAS_TOKEN_FILE: cannot read ${env.DBAAS_TOKEN_FILE}`);
  }
}

/** Adds the sealed credential to every workflow start, update and signal. */
export function credentialInterceptor(codec: EncryptionCodec, token: string): WorkflowClientInterceptor {
  const withCredential = async (headers: Record<string, Payload>, workflowId: string) => ({
    ...headers,
    [CREDENTIAL_HEADER]: defaultPayloadConverter.toPayload(await sealCredential(codec, token, workflowId)),
  });
  return {
    startWithDetails: async (input, next) => next({ ...input, headers: await withCredential(input.headers, input.options.workflowId) }),
    signalWithStart: async (input, next) => next({ ...input, headers: await withCredential(input.headers, input.options.workflowId) }),
    startUpdate: async (input, next) => next({ ...input, headers: await withCredential(input.headers, input.workflowExecution.workflowId) }),
    signal: async (input, next) => next({ ...input, headers: await withCredential(input.headers, input.workflowExecution.workflowId) }),
  };
}
