// What the codec server never hands to a browser: a build's admin password (and any other secret the
// DBCS create body can carry) is part of the workflow's input, so a decoded input would show it in
// the Temporal UI to everyone allowed to decode. The worker decodes with its own key and never goes
// through the codec server, so redacting here costs the workflows nothing.
import type { Payload } from '@temporalio/common';

/** Keys whose values are secrets wherever they appear: passwords, keys, wallets (DBCS create body, §2.2). */
const SECRET_KEY = /password|passwd|secret|decryptionkey|walletfilecontent|privatekey|apikey|token/i;
export const REDACTED = '[redacted by the codec server]';

const ENCODING = 'encoding';

function redact(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redact);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, SECRET_KEY.test(k) && v !== null && v !== '' ? REDACTED : redact(v)]));
}

/** The payload with every secret-named field of its JSON replaced; other encodings as they are. */
export function redactSecrets(payload: Payload): Payload {
  const encoding = payload.metadata?.[ENCODING];
  if (!encoding || Buffer.from(encoding).toString('utf8') !== 'json/plain' || !payload.data) return payload;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(payload.data).toString('utf8'));
  } catch {
    return payload;
  }
  return { ...payload, data: Buffer.from(JSON.stringify(redact(parsed)), 'utf8') };
}
