// Connecting the CLI to Temporal with the project's data converter (payload encryption).
import { Client, Connection, isGrpcServiceError, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { codecFor, loadCodecKeys, type EncryptionCodec } from '../worker/codec';
import { progressQuery, type OperationProgress } from '../shared/messages';
import { temporalConnectionFromEnv } from '../worker/config';
import { credentialInterceptor, requesterToken } from './identity';

export interface CliTemporal {
  client: Client;
  codec: EncryptionCodec;
  taskQueue: string;
  close(): Promise<void>;
}

export async function connectTemporal(env: NodeJS.ProcessEnv = process.env): Promise<CliTemporal> {
  const config = temporalConnectionFromEnv(env);
  const codec = codecFor(loadCodecKeys(env));
  let connection: Connection;
  try {
    connection = await Connection.connect({ address: config.address, tls: config.tls, apiKey: config.apiKey, connectTimeout: 5_000 });
  } catch (err) {
    // The server answered but refused the token (bad signature, expired, wrong audience): not "unreachable".
    if (isDenied(err)) throw new Error(`Temporal at ${config.address} refused the credentials (TEMPORAL_API_KEY): ${(err as Error).message}`);
    // A refused handshake looks like an unreachable server: point at the TLS settings when they are in play.
    const hint = config.tls ? 'Check TEMPORAL_ADDRESS and the TEMPORAL_TLS_* settings (CA, client certificate, server name).' : 'Is the stack running (npm start)? A server that requires TLS needs TEMPORAL_TLS_*.';
    throw new Error(`cannot reach Temporal at ${config.address} (TEMPORAL_ADDRESS): ${err instanceof Error ? err.message : String(err)}. ${hint}`);
  }
  const token = requesterToken(env);
  const client = new Client({
    connection,
    namespace: config.namespace,
    dataConverter: { payloadCodecs: [codec] },
    interceptors: { workflow: token ? [credentialInterceptor(codec, token)] : [] },
  });
  return { client, codec, taskQueue: env.DBAAS_TASK_QUEUE ?? 'dbaas', close: () => connection.close() };
}

/** gRPC PERMISSION_DENIED (7) or UNAUTHENTICATED (16), on the error or the client's ServiceError wrapping it. */
function isDenied(err: unknown): boolean {
  const codes = [err, (err as { cause?: unknown } | undefined)?.cause].map((e) => (isGrpcServiceError(e) ? e.code : undefined));
  return codes.some((c) => c === 7 || c === 16);
}

export interface LiveJob {
  activity: string;
  jobStatus?: string;
  instanceStatus?: string;
  status?: string;
  messages?: string[];
  polls?: number;
  lastError?: string;
}

export interface LiveProgress {
  progress?: OperationProgress;
  /** What a running wait activity heartbeated last: the API's newest job messages. */
  live?: LiveJob;
  workflowStatus: string;
}

/** The progress query plus the heartbeat of the activity that is waiting on the cloud right now. */
export async function readProgress(handle: WorkflowHandle, codec: EncryptionCodec): Promise<LiveProgress> {
  const description = await handle.describe();
  let progress: OperationProgress | undefined;
  try {
    progress = await handle.query(progressQuery);
  } catch {
    // A workflow that failed validation registered no query handler; the status says enough.
  }
  let live: LiveJob | undefined;
  for (const activity of description.raw.pendingActivities ?? []) {
    const payloads = activity.heartbeatDetails?.payloads;
    if (!payloads?.length) continue;
    const [decoded] = await codec.decode(payloads as never);
    const state = defaultPayloadConverter.fromPayload<{ polls?: number; lastError?: string; detail?: Omit<LiveJob, 'activity'> }>(decoded!);
    live = { activity: activity.activityType?.name ?? '?', polls: state.polls, lastError: state.lastError, ...state.detail };
  }
  return { progress, live, workflowStatus: description.status.name };
}
