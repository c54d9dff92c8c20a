import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { applyKeyCommand, parseKeyCommand } from '../../scripts/codec-key';
import { codecFor, codecKeyFrom, dataConverterFor, EncryptionCodec, loadCodecKey, loadCodecKeys, writeCodecKeyFile } from '../../src/worker/codec';

const keyIdOf = (p: Payload) => new TextDecoder().decode(p.metadata!['encryption-key-id']!);
const b64 = (fill: number) => Buffer.alloc(32, fill).toString('base64');

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

  it('loads every key of a key file: the first line encrypts, the others decrypt only', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'codec-'));
    const file = path.join(dir, 'keys');
    writeFileSync(file, `# a comment\n${b64(1)}\n\n${b64(2)}\n${b64(3)}\n`);
    const keys = loadCodecKeys({ DBAAS_CODEC_KEY_FILE: file });
    expect(keys.current.id).toBe(codecKeyFrom(Buffer.alloc(32, 1)).id);
    expect(keys.previous.map((k) => k.id)).toEqual([codecKeyFrom(Buffer.alloc(32, 2)).id, codecKeyFrom(Buffer.alloc(32, 3)).id]);
    // loadCodecKey (callers that only encrypt) is the same current key.
    expect(loadCodecKey({ DBAAS_CODEC_KEY_FILE: file }).id).toBe(keys.current.id);
    const [old] = await new EncryptionCodec(codecKeyFrom(Buffer.alloc(32, 3))).encode([defaultPayloadConverter.toPayload('kept')!]);
    const [decoded] = await dataConverterFor(keys).payloadCodecs[0]!.decode([old!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toBe('kept');
    const [fresh] = await codecFor(keys).encode([defaultPayloadConverter.toPayload('new')!]);
    expect(keyIdOf(fresh!)).toBe(keys.current.id);
  });

  it('adds DBAAS_CODEC_PREVIOUS_KEYS to DBAAS_CODEC_KEY (or to the file), once each, and names a bad entry without showing it', () => {
    const keys = loadCodecKeys({ DBAAS_CODEC_KEY: b64(4), DBAAS_CODEC_PREVIOUS_KEYS: ` ${b64(5)}, ${b64(4)},${b64(6)}` });
    expect(keys.current.id).toBe(codecKeyFrom(Buffer.alloc(32, 4)).id);
    expect(keys.previous.map((k) => k.id)).toEqual([codecKeyFrom(Buffer.alloc(32, 5)).id, codecKeyFrom(Buffer.alloc(32, 6)).id]);
    const dir = mkdtempSync(path.join(os.tmpdir(), 'codec-'));
    const file = path.join(dir, 'keys');
    writeFileSync(file, `${b64(7)}\n`);
    expect(loadCodecKeys({ DBAAS_CODEC_KEY_FILE: file, DBAAS_CODEC_PREVIOUS_KEYS: b64(8) }).previous.map((k) => k.id)).toEqual([codecKeyFrom(Buffer.alloc(32, 8)).id]);
    expect(() => loadCodecKeys({ DBAAS_CODEC_KEY: b64(4), DBAAS_CODEC_PREVIOUS_KEYS: `${b64(5)},not*base64` })).toThrow('DBAAS_CODEC_PREVIOUS_KEYS entry 2: not a base64 key');
    expect(() => loadCodecKeys({ DBAAS_CODEC_KEY: b64(4), DBAAS_CODEC_PREVIOUS_KEYS: Buffer.alloc(31).toString('base64') })).toThrow('DBAAS_CODEC_PREVIOUS_KEYS entry 1: the payload encryption key must be 32 bytes (got 31)');
    writeFileSync(file, `${b64(7)}\nshort==\n`);
    expect(() => loadCodecKeys({ DBAAS_CODEC_KEY_FILE: file })).toThrow(`${file} line 2: the payload encryption key must be 32 bytes`);
    writeFileSync(file, '# only a comment\n');
    expect(() => loadCodecKeys({ DBAAS_CODEC_KEY_FILE: file })).toThrow(`${file} holds no key`);
  });

  it('rotate, add, promote and retire reorder the key list; the current key cannot be retired', () => {
    const [a, b, c] = [1, 2, 3].map((n) => codecKeyFrom(Buffer.alloc(32, n)));
    const fresh = () => c!;
    expect(applyKeyCommand([a!, b!], parseKeyCommand(['rotate']), fresh)).toEqual([c, a, b]);
    expect(applyKeyCommand([a!, b!], parseKeyCommand(['add']), fresh)).toEqual([a, b, c]);
    expect(applyKeyCommand([a!, b!, c!], parseKeyCommand(['promote', c!.id]))).toEqual([c, a, b]);
    expect(applyKeyCommand([a!, b!], parseKeyCommand(['retire', b!.id]))).toEqual([a]);
    expect(() => applyKeyCommand([a!, b!], parseKeyCommand(['retire', a!.id]))).toThrow('is the current key');
    expect(() => applyKeyCommand([a!], parseKeyCommand(['promote', 'nope']))).toThrow(`no key with id nope (the ids are: ${a!.id})`);
    expect(() => parseKeyCommand(['retire'])).toThrow('needs a key id');
    expect(() => parseKeyCommand(['spin'])).toThrow('usage: npm run codec-key');
  });

  it('`npm run codec-key -- rotate`: old data still decodes, new data uses the new key, the old key stays, the file stays private', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'codec-'));
    const before = loadCodecKeys({}, dir); // generated on first use, as the worker does
    const [old] = await codecFor(before).encode([defaultPayloadConverter.toPayload({ adminPassword: 'Old#Secret1' })!]);
    const out = execFileSync(process.execPath, ['--import', 'tsx', path.resolve(__dirname, '../../scripts/codec-key.ts'), 'rotate'], { env: { ...process.env, DBAAS_DATA_DIR: dir, DBAAS_CODEC_KEY_FILE: '', DBAAS_CODEC_KEY: '' }, encoding: 'utf8' });
    const after = loadCodecKeys({}, dir);
    expect(after.current.id).not.toBe(before.current.id);
    expect(after.previous.map((k) => k.id)).toEqual([before.current.id]);
    expect(out).toContain(`${after.current.id}  current`);
    expect(out).toContain(`${before.current.id}  previous`);
    // Ids only: no key material on the terminal.
    expect(out).not.toContain(after.current.key.toString('base64'));
    expect(out).not.toContain(before.current.key.toString('base64'));
    expect(statSync(path.join(dir, 'codec.key')).mode & 0o777).toBe(0o600);

    const [decoded] = await codecFor(after).decode([old!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual({ adminPassword: 'Old#Secret1' });
    const [fresh] = await codecFor(after).encode([defaultPayloadConverter.toPayload('new')!]);
    expect(keyIdOf(fresh!)).toBe(after.current.id);
    expect(keyIdOf(old!)).toBe(before.current.id);
    // A process still holding only the old key cannot read new data: why every decoder must restart.
    await expect(codecFor(before).decode([fresh!])).rejects.toThrow(`unknown encryption key id "${after.current.id}"`);
  });

  it('writes key files whole, owner-only, with a comment the loader skips', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'codec-'));
    const file = path.join(dir, 'sub', 'codec.key');
    const keys = [2, 1].map((n) => codecKeyFrom(Buffer.alloc(32, n)));
    writeCodecKeyFile(file, keys);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8').split('\n').filter((l) => l && !l.startsWith('#'))).toEqual([b64(2), b64(1)]);
    expect(loadCodecKeys({ DBAAS_CODEC_KEY_FILE: file }).current.id).toBe(keys[0]!.id);
  });
});
