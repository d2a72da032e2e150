import { base64url } from 'jose';

const encoder = new TextEncoder();
const decoder = new TextDecoder();
const FORMAT = 'v1';

/**
 * The host's key encryption key: 32 bytes, as bytes or base64url / base64 text. Throws on
 * anything else (misconfiguration).
 */
export function importSealingKey(key: Uint8Array | string): Promise<CryptoKey> {
  let bytes: Uint8Array;
  if (typeof key === 'string') {
    try {
      bytes = base64url.decode(key.replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''));
    } catch {
      throw new TypeError('createIssuer: `keyEncryptionKey` must be base64url or base64');
    }
  } else bytes = key;
  if (!(bytes instanceof Uint8Array) || bytes.length !== 32)
    throw new TypeError('createIssuer: `keyEncryptionKey` must be 32 bytes');
  return crypto.subtle.importKey('raw', new Uint8Array(bytes), 'AES-GCM', false, [
    'encrypt',
    'decrypt',
  ]);
}

/** AES-256-GCM with a fresh random 96-bit IV; `kid` is the additional data. */
export async function seal(key: CryptoKey, plaintext: string, kid: string): Promise<string> {
  const iv = crypto.getRandomValues(new Uint8Array(12));
  const ciphertext = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv, additionalData: encoder.encode(kid) },
    key,
    encoder.encode(plaintext),
  );
  return `${FORMAT}.${base64url.encode(iv)}.${base64url.encode(new Uint8Array(ciphertext))}`;
}

/** Opens what `seal` made for this `kid`; throws on a wrong key, kid or any change. */
export async function open(key: CryptoKey, sealed: string, kid: string): Promise<string> {
  const [format, iv, ciphertext, extra] = typeof sealed === 'string' ? sealed.split('.') : [];
  if (format !== FORMAT || !iv || !ciphertext || extra !== undefined)
    throw new Error('issuer: a stored signing key is not in a known sealed format');
  try {
    const plaintext = await crypto.subtle.decrypt(
      {
        name: 'AES-GCM',
        iv: new Uint8Array(base64url.decode(iv)),
        additionalData: encoder.encode(kid),
      },
      key,
      new Uint8Array(base64url.decode(ciphertext)),
    );
    return decoder.decode(plaintext);
  } catch (cause) {
    throw new Error(
      'issuer: a stored signing key cannot be opened (wrong keyEncryptionKey, or altered)',
      { cause },
    );
  }
}
