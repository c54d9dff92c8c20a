import { mkdtempSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { codecKeyFrom, EncryptionCodec, loadCodecKey } from '../../src/worker/codec';

describe('payload encryption codec', () => {
  const key = codecKeyFrom(Buffer.alloc(32, 7));

  it('round-trips payloads and hides their content', async () => {
    const codec = new EncryptionCodec(key);
    const payload = defaultPayloadConverter.toPayload({ adminPassword: 'Secret123#' })!;
    const [encoded] = await codec.encode([payload]);
    expect(Buffer.from(encoded!.data!).toString('latin1')).not.toContain('Secret123#');
    expect(new TextDecoder().decode(encoded!.metadata!.encoding!)).toBe('binary/encrypted');
    const [decoded] = await codec.decode([encoded!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual({ adminPassword: 'Secret123#' });
  });

  it('decodes with a previous key after rotation, and names an unknown key', async () => {
    const next = codecKeyFrom(Buffer.alloc(32, 9));
    const [old] = await new EncryptionCodec(key).encode([defaultPayloadConverter.toPayload('x')!]);
    const [decoded] = await new EncryptionCodec(next, [key]).decode([old!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toBe('x');
    await expect(new EncryptionCodec(next).decode([old!])).rejects.toThrow(`unknown encryption key id "${key.id}"`);
  });

  it('passes clear payloads through (inputs from clients without the codec)', async () => {
    const clear = defaultPayloadConverter.toPayload({ a: 1 })!;
    expect(await new EncryptionCodec(key).decode([clear])).toEqual([clear]);
  });

  it('generates a key under the data directory on first use, readable by the owner only', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'codec-'));
    const first = loadCodecKey({}, dir);
    expect(statSync(path.join(dir, 'codec.key')).mode & 0o777).toBe(0o600);
    expect(loadCodecKey({}, dir).id).toBe(first.id);
    expect(() => loadCodecKey({ DBAAS_CODEC_KEY: Buffer.alloc(16).toString('base64') })).toThrow('must be 32 bytes');
    expect(() => loadCodecKey({ DBAAS_CODEC_KEY_FILE: path.join(dir, 'missing') })).toThrow('does not exist');
    // Empty variables count as unset: the generated key is used.
    expect(loadCodecKey({ DBAAS_CODEC_KEY: '', DBAAS_CODEC_KEY_FILE: '' }, dir).id).toBe(first.id);
  });
});
