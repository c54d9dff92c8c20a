// Connecting the CLI to Temporal with the project's data converter (payload encryption).
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { EncryptionCodec, loadCodecKey } from '../worker/codec';
import { progressQuery, type OperationProgress } from '../shared/messages';
import { temporalConnectionFromEnv } from '../worker/config';

export interface CliTemporal {
  client: Client;
  codec: EncryptionCodec;
  taskQueue: string;
  close(): Promise<void>;
}

export async function connectTemporal(env: NodeJS.ProcessEnv = process.env): Promise<CliTemporal> {
  const config = temporalConnectionFromEnv(env);
  const codec = new EncryptionCodec(loadCodecKey(env));
  let connection: Connection;
  try {
    connection = await Connection.connect({ address: config.address, tls: config.tls, apiKey: config.apiKey, connectTimeout: 5_000 });
  } catch (err) {
    throw new Error(`cannot reach Temporal at ${config.address} (TEMPORAL_ADDRESS): ${err instanceof Error ? err.message : String(err)}. Is the stack running (npm start)?`);
  }
  const client = new Client({ connection, namespace: config.namespace, dataConverter: { payloadCodecs: [codec] } });
  return { client, codec, taskQueue: env.DBAAS_TASK_QUEUE ?? 'dbaas', close: () => connection.close() };
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
