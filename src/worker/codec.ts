// AES-256-GCM payload codec: every payload (inputs, results, heartbeat details) is encrypted before it
// reaches the Temporal server, so secrets such as the admin password never sit in history in clear.
// Node-only: used by the worker, the CLI, replay tests and the codec server; never by workflow code.
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
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

/** A fresh random key (rotation, first start). */
export function newCodecKey(): CodecKey {
  return codecKeyFrom(randomBytes(32));
}

/** The keys a process holds: `current` encrypts new payloads, `previous` only decrypt older ones. */
export interface CodecKeys {
  current: CodecKey;
  previous: CodecKey[];
}

// Node's base64 decoder skips characters it does not know, so a typo would silently give another key.
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** One base64 key; `source` names where it came from in the error (never the key itself). */
function keyFromBase64(text: string, source: string): CodecKey {
  const b64 = text.trim();
  if (!BASE64.test(b64)) throw new Error(`${source}: not a base64 key; generate one with: openssl rand -base64 32`);
  try {
    return codecKeyFrom(Buffer.from(b64, 'base64'));
  } catch (err) {
    throw new Error(`${source}: ${(err as Error).message}`);
  }
}

/** A key file: one base64 key per line, the current key first; blank lines and `#` comments are skipped. */
export function parseCodecKeyFile(text: string, file: string): CodecKey[] {
  const keys = text
    .split('\n')
    .map((line, i) => ({ line: line.trim(), n: i + 1 }))
    .filter(({ line }) => line !== '' && !line.startsWith('#'))
    .map(({ line, n }) => keyFromBase64(line, `${file} line ${n}`));
  if (keys.length === 0) throw new Error(`${file} holds no key`);
  return keys;
}

const KEY_FILE_HEADER = '# dbaas payload encryption keys (base64): the first line encrypts, the others only decrypt. Managed by `npm run codec-key`.\n';

/** Writes a key file readable by the owner only; replaced in one rename, so a reader never sees half a file. */
export function writeCodecKeyFile(file: string, keys: CodecKey[]): void {
  mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, KEY_FILE_HEADER + keys.map((k) => `${k.key.toString('base64')}\n`).join(''), { mode: 0o600 });
  chmodSync(tmp, 0o600);
  renameSync(tmp, file);
}

/** Where the key file is: DBAAS_CODEC_KEY_FILE, else `<dataDir>/codec.key`. */
export function codecKeyFilePath(rawEnv: NodeJS.ProcessEnv = process.env, dataDir = withoutEmptyValues(rawEnv).DBAAS_DATA_DIR ?? '.data'): string {
  return withoutEmptyValues(rawEnv).DBAAS_CODEC_KEY_FILE ?? path.join(dataDir, 'codec.key');
}

/**
 * The one key loader of the worker, the CLI, the codec server and the tests. The current key is
 * DBAAS_CODEC_KEY (base64), else the first line of DBAAS_CODEC_KEY_FILE, else of `<dataDir>/codec.key`
 * (generated on first use so the embedded default needs no setup). Later lines of the file and
 * DBAAS_CODEC_PREVIOUS_KEYS (comma-separated base64) are previous keys: accepted for decoding only.
 */
export function loadCodecKeys(rawEnv: NodeJS.ProcessEnv = process.env, dataDir = withoutEmptyValues(rawEnv).DBAAS_DATA_DIR ?? '.data'): CodecKeys {
  const env = withoutEmptyValues(rawEnv);
  const keys = env.DBAAS_CODEC_KEY ? [keyFromBase64(env.DBAAS_CODEC_KEY, 'DBAAS_CODEC_KEY')] : readKeyFile(env, dataDir);
  const extra = (env.DBAAS_CODEC_PREVIOUS_KEYS ?? '').split(',').filter((k) => k.trim() !== '');
  keys.push(...extra.map((k, i) => keyFromBase64(k, `DBAAS_CODEC_PREVIOUS_KEYS entry ${i + 1}`)));
  // The same key listed twice (file and variable) is harmless: keep its first place.
  const unique = keys.filter((k, i) => keys.findIndex((o) => o.id === k.id) === i);
  return { current: unique[0]!, previous: unique.slice(1) };
}

/** The current key only: for callers that encrypt and never read older history. */
export function loadCodecKey(rawEnv: NodeJS.ProcessEnv = process.env, dataDir?: string): CodecKey {
  return loadCodecKeys(rawEnv, dataDir).current;
}

function readKeyFile(env: NodeJS.ProcessEnv, dataDir: string): CodecKey[] {
  const file = codecKeyFilePath(env, dataDir);
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
  return parseCodecKeyFile(readFileSync(file, 'utf8'), file);
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
      if (!key) throw new Error(`cannot decrypt a payload: unknown encryption key id "${keyId}" (not the current key nor a previous one: see DBAAS_CODEC_KEY, the key file, DBAAS_CODEC_PREVIOUS_KEYS)`);
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

/** A codec holding every key: encrypts with the current one, decrypts with any. */
export function codecFor(keys: CodecKeys): EncryptionCodec {
  return new EncryptionCodec(keys.current, keys.previous);
}

/** The data converter every client, worker and replayer of this project uses. */
export function dataConverterFor(keys: CodecKeys | CodecKey) {
  return { payloadCodecs: [codecFor('current' in keys ? keys : { current: keys, previous: [] })] };
}
