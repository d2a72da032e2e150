import { type GeneratedApiKey, generateApiKey } from './generate.js';
import { epochMs } from './key.js';
import type { ApiKeyRecord, ApiKeyStore } from './types.js';

export interface RotateApiKeyOptions {
  /** How long the old key keeps working, in ms. Default one day. Ignored if `expiresAt` is set. */
  overlapMs?: number;
  /** Or exactly when the old key stops working. */
  expiresAt?: Date | number;
  /** The new key's own expiry. Default never. */
  newExpiresAt?: Date | number;
  /** Clock in epoch ms. */
  now?: () => number;
}

export interface RotatedApiKey extends GeneratedApiKey {
  /** The old key's record as it is now, with its shortened `expiresAt`. */
  readonly previous: ApiKeyRecord;
}

const DAY = 86_400_000;

/**
 * Issues a new key with the old one's prefix, owner, scopes and metadata, stores it, then makes
 * the old key expire after the overlap (never later than it already would), so that both work
 * until clients have switched. Throws if the old id is unknown or revoked.
 */
export async function rotateApiKey(
  store: ApiKeyStore,
  oldId: string,
  options: RotateApiKeyOptions = {},
): Promise<RotatedApiKey> {
  const now = options.now ?? Date.now;
  const overlapMs = options.overlapMs ?? DAY;
  if (options.expiresAt === undefined && !(Number.isFinite(overlapMs) && overlapMs >= 0))
    throw new TypeError('rotateApiKey: `overlapMs` must be a non-negative number');
  const old = await store.find(oldId);
  if (!old) throw new Error(`rotateApiKey: unknown key id ${oldId}`);
  if (old.revokedAt !== undefined) throw new Error(`rotateApiKey: key ${oldId} is revoked`);
  const t = now();
  const oldUntil =
    options.expiresAt === undefined
      ? t + overlapMs
      : epochMs(options.expiresAt, 'rotateApiKey: `expiresAt`');

  const generated = await generateApiKey({
    prefix: old.prefix,
    owner: old.owner,
    scopes: old.scopes,
    metadata: old.metadata,
    ...(options.newExpiresAt !== undefined && { expiresAt: options.newExpiresAt }),
    now: () => t,
  });
  // New key first: a failure in between leaves two working keys, never none.
  await store.create(generated.record);
  await store.expire(oldId, oldUntil);
  const previous = (await store.find(oldId)) ?? old;
  return { ...generated, previous };
}
