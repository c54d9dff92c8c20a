// `npm run codec-key -- <command>`: manages the payload encryption key file (DBAAS_CODEC_KEY_FILE, else
// <DBAAS_DATA_DIR>/codec.key). The first key encrypts; the others only decrypt, so history written
// before a rotation stays readable. Keys are never printed, only their ids.
//   list           the key ids, current first
//   rotate         a new key becomes current; the old ones are kept for decoding
//   add            a new key, decode-only for now: step 1 of a rotation across several processes
//   promote <id>   makes that key current: step 2, once every process has restarted with it
//   retire <id>    drops a previous key, once no history you keep is encrypted with it
// The worker, the codec server and the CLI read the file when they start: restart them after a change.
import { existsSync, readFileSync } from 'node:fs';
import { codecKeyFilePath, newCodecKey, parseCodecKeyFile, writeCodecKeyFile, type CodecKey } from '../src/worker/codec';
import { dropEmptyEnvironmentVariables } from '../src/worker/env';

export type KeyCommand = { name: 'list' | 'rotate' | 'add' } | { name: 'promote' | 'retire'; id: string };

export function parseKeyCommand(args: string[]): KeyCommand {
  const [name, id, ...rest] = args;
  if (rest.length > 0) throw new Error(`unexpected arguments: ${rest.join(' ')}`);
  if (name === 'list' || name === 'rotate' || name === 'add') {
    if (id !== undefined) throw new Error(`${name} takes no argument`);
    return { name };
  }
  if (name === 'promote' || name === 'retire') {
    if (!id) throw new Error(`${name} needs a key id (see: npm run codec-key -- list)`);
    return { name, id };
  }
  throw new Error('usage: npm run codec-key -- list | rotate | add | promote <id> | retire <id>');
}

/** The key list after the command (the current key first); `fresh` makes the new key of rotate/add. */
export function applyKeyCommand(keys: CodecKey[], command: KeyCommand, fresh: () => CodecKey = newCodecKey): CodecKey[] {
  switch (command.name) {
    case 'list':
      return keys;
    case 'rotate':
      return [fresh(), ...keys];
    case 'add':
      return [...keys, fresh()];
    case 'promote':
    case 'retire': {
      const key = keys.find((k) => k.id === command.id);
      if (!key) throw new Error(`no key with id ${command.id} (the ids are: ${keys.map((k) => k.id).join(', ')})`);
      const others = keys.filter((k) => k !== key);
      if (command.name === 'promote') return [key, ...others];
      if (key === keys[0]) throw new Error(`${command.id} is the current key: rotate or promote another one first`);
      return others;
    }
  }
}

export function describeKeys(keys: CodecKey[]): string {
  return keys.map((k, i) => `${k.id}  ${i === 0 ? 'current (encrypts and decrypts)' : 'previous (decrypts only)'}`).join('\n');
}

function main(): void {
  dropEmptyEnvironmentVariables();
  const command = parseKeyCommand(process.argv.slice(2));
  if (process.env.DBAAS_CODEC_KEY) {
    throw new Error(
      'the key comes from DBAAS_CODEC_KEY, not a file: to rotate, move its value to DBAAS_CODEC_PREVIOUS_KEYS (comma-separated) and set DBAAS_CODEC_KEY to a new key (openssl rand -base64 32)',
    );
  }
  const file = codecKeyFilePath(process.env);
  if (!existsSync(file)) throw new Error(`no key file at ${file} (the worker creates it on first start; DBAAS_CODEC_KEY_FILE or DBAAS_DATA_DIR point elsewhere)`);
  const before = parseCodecKeyFile(readFileSync(file, 'utf8'), file);
  const after = applyKeyCommand(before, command);
  if (after !== before) writeCodecKeyFile(file, after);
  console.log(`${file}:\n${describeKeys(after)}`);
  if (after !== before) console.log('Restart the worker(s) and the codec server to use it (the CLI reads the file at every command).');
}

if (require.main === module) {
  try {
    main();
  } catch (err) {
    console.error(`codec-key: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(2);
  }
}
