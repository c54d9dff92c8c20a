// AES-256-GCM payload codec: every payload (inputs, results, heartbeat details) is encrypted before it
// reaches the Temporal server, so secrets such as the admin password never sit in history in clear.
// Node-only: used by the worker, the CLI, replay tests and the codec server; never by workflow code.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { withoutEmptyValues } from './env';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const utf8 = (s: string) => new TextEncoder().encode(s);
const fromUtf8 = (b: Uint8Array | null | undefined) => (b ? new TextDecoder().decode(b) : '');

export interface CodecKey {
  id: string;
  key: Buffer;
}

export function codecKeyFrom(raw: Buffer): CodecKey {
  if (raw.length !== 32) throw new Error(`the payload encryption key must be 32 bytes (got ${raw.length}); generate one with: openssl rand -base64 32`);
  return { id: createHash('sha256').update(raw).digest('hex').slice(0, 12), key: raw };
}

/**
 * Finds the key: DBAAS_CODEC_KEY (base64), then DBAAS_CODEC_KEY_FILE, then `<dataDir>/codec.key`,
 * which is generated on first use so the embedded default needs no setup.
 */
export function loadCodecKey(rawEnv: NodeJS.ProcessEnv = process.env, dataDir = withoutEmptyValues(rawEnv).DBAAS_DATA_DIR ?? '.data'): CodecKey {
  const env = withoutEmptyValues(rawEnv);
  if (env.DBAAS_CODEC_KEY) return codecKeyFrom(Buffer.from(env.DBAAS_CODEC_KEY.trim(), 'base64'));
  const file = env.DBAAS_CODEC_KEY_FILE ?? path.join(dataDir, 'codec.key');
  if (!existsSync(file)) {
    if (env.DBAAS_CODEC_KEY_FILE) throw new Error(`DBAAS_CODEC_KEY_FILE points to ${file}, which does not exist`);
    mkdirSync(path.dirname(file), { recursive: true });
    try {
      writeFileSync(file, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
      chmodSync(file, 0o600);
    } catch (err) {
      // Another process (worker, codec server) created it first: use theirs.
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    }
  }
  return codecKeyFrom(Buffer.from(readFileSync(file, 'utf8').trim(), 'base64'));
}

export class EncryptionCodec implements PayloadCodec {
  private readonly byId: Map<string, Buffer>;

  /** `current` encrypts; `current` and `previous` decrypt, so a key can be rotated without losing history. */
  constructor(
    private readonly current: CodecKey,
    previous: CodecKey[] = [],
  ) {
    this.byId = new Map([current, ...previous].map((k) => [k.id, k.key]));
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', this.current.key, iv);
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return { metadata: { encoding: utf8(ENCRYPTED_ENCODING), 'encryption-key-id': utf8(this.current.id) }, data };
    });
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (fromUtf8(payload.metadata?.encoding) !== ENCRYPTED_ENCODING) return payload;
      const keyId = fromUtf8(payload.metadata?.['encryption-key-id']);
      const key = this.byId.get(keyId);
      if (!key) throw new Error(`cannot decrypt a payload: unknown encryption key id "${keyId}" (is DBAAS_CODEC_KEY the one the worker used?)`);
      const data = Buffer.from(payload.data ?? new Uint8Array());
      const iv = data.subarray(0, IV_BYTES);
      const tag = data.subarray(data.length - TAG_BYTES);
      const decipher = createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAuthTag(tag);
      const plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      return temporal.api.common.v1.Payload.decode(plain) as Payload;
    });
  }
}

/** The data converter every client, worker and replayer of this project uses. */
export function dataConverterFor(key: CodecKey) {
  return { payloadCodecs: [new EncryptionCodec(key)] };
}
