// Connecting the CLI to Temporal with the project's data converter (payload encryption).
import { Client, Connection, isGrpcServiceError, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { codecFor, loadCodecKeys, type EncryptionCodec } from '../worker/codec';
import { progressQuery, type OperationProgress } from '../shared/messages';
import { ConfigError } from '../worker/config-error';
import { connectionOptions, temporalConnectionFromEnv, type ConnectionFlags, type TemporalConnectionConfig } from '../worker/temporal-connection';
import { CliError, EXIT } from './exit-codes';
import { credentialInterceptor, requesterToken } from './identity';
import { cliTracing } from './tracing';

export interface CliTemporal {
  client: Client;
  codec: EncryptionCodec;
  taskQueue: string;
  close(): Promise<void>;
}

/**
 * A client for the CLI: connected as --address/-n/--profile/--config-file, the TEMPORAL_* variables and
 * the Temporal CLI's profile say (in that order); reads nothing of the worker's own configuration.
 */
export async function connectTemporal(env: NodeJS.ProcessEnv = process.env, flags: ConnectionFlags = {}): Promise<CliTemporal> {
  let config: TemporalConnectionConfig;
  try {
    config = temporalConnectionFromEnv(env, flags);
  } catch (err) {
    // A bad variable, flag or profile field: nothing was started, the message names it.
    if (err instanceof ConfigError) throw new CliError(err.message, EXIT.invalid);
    throw err;
  }
  const codec = codecFor(loadCodecKeys(env));
  let connection: Connection;
  const at = `${config.address} (${config.from.address})`;
  try {
    connection = await Connection.connect({ ...connectionOptions(config), connectTimeout: 5_000 });
  } catch (err) {
    // The server answered but refused the token (bad signature, expired, wrong audience): not "unreachable".
    if (isDenied(err)) throw new Error(`Temporal at ${config.address} refused the credentials (${config.from.apiKey ?? 'TEMPORAL_API_KEY'}): ${(err as Error).message}`);
    // A refused handshake looks like an unreachable server: point at the TLS settings when they are in play.
    const hint = config.tls
      ? 'Check the address and the TLS settings (TEMPORAL_TLS_* or the profile\'s tls: CA, client certificate, server name).'
      : 'Is the stack running (npm start)? A server that requires TLS needs TEMPORAL_TLS_* (or a profile with tls).';
    throw new Error(`cannot reach Temporal at ${at}: ${err instanceof Error ? err.message : String(err)}. ${hint}`);
  }
  const token = requesterToken(env);
  const tracing = cliTracing(env);
  const client = new Client({
    connection,
    namespace: config.namespace,
    dataConverter: { payloadCodecs: [codec] },
    // The trace's span first: the credential header is then added inside it.
    interceptors: { workflow: [...tracing.interceptors, ...(token ? [credentialInterceptor(codec, token)] : [])] },
  });
  const close = async () => {
    await Promise.allSettled([tracing.flush(), connection.close()]);
  };
  return { client, codec, taskQueue: env.DBAAS_TASK_QUEUE ?? 'dbaas', close };
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
