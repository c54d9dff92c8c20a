// A requester's token travels to the worker in a Temporal header, and headers are stored in history
// as they are (the payload codec does not encode them). So the client seals it: the token, the
// workflow it is for and when, encrypted with the payload key. History then holds ciphertext only,
// and a sealed credential copied from one history is refused for any other workflow or after a while.
import type { EncryptionCodec } from '../worker/codec';
import { ENCRYPTED_ENCODING } from '../worker/codec';

const VERSION = 'v1';
/** How long a sealed credential stays usable after the client sealed it. */
export const SEALED_FOR_MS = 10 * 60_000;

interface Sealed {
  token: string;
  workflowId: string;
  sealedAt: number;
}

export async function sealCredential(codec: EncryptionCodec, token: string, workflowId: string, now = Date.now()): Promise<string> {
  const body: Sealed = { token, workflowId, sealedAt: now };
  const [payload] = await codec.encode([{ metadata: {}, data: new TextEncoder().encode(JSON.stringify(body)) }]);
  const keyId = new TextDecoder().decode(payload!.metadata!['encryption-key-id']);
  return `${VERSION}.${keyId}.${Buffer.from(payload!.data!).toString('base64url')}`;
}

export class CredentialRefused extends Error {}

/** The token inside, if the credential is sealed for this workflow and recent enough. */
export async function unsealCredential(codec: EncryptionCodec, sealed: string, workflowId: string, now = Date.now()): Promise<string> {
  const [version, keyId, data] = sealed.split('.');
  if (version !== VERSION || !keyId || !data) throw new CredentialRefused('the credential header is not a sealed credential');
  let body: Sealed;
  try {
    const [inner] = await codec.decode([{ metadata: { encoding: new TextEncoder().encode(ENCRYPTED_ENCODING), 'encryption-key-id': new TextEncoder().encode(keyId) }, data: Buffer.from(data, 'base64url') }]);
    body = JSON.parse(new TextDecoder().decode(inner!.data!)) as Sealed;
  } catch {
    throw new CredentialRefused('the credential was not sealed with a key this worker holds');
  }
  if (body.workflowId !== workflowId) throw new CredentialRefused('the credential was sealed for another workflow');
  if (!(now - body.sealedAt < SEALED_FOR_MS && body.sealedAt - now < 60_000)) throw new CredentialRefused('the credential was sealed too long ago');
  return body.token;
}
