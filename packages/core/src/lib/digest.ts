import { sha256 } from '@noble/hashes/sha2.js';

// One hasher, reset from a pristine one before each use and wiped after: `sha256(bytes)` builds a
// hasher and its buffers per call, which for one block costs more than the hashing itself (it
// runs on every request with an API key). Synchronous, so no two uses overlap.
const PRISTINE = sha256.create();
const HASHER = sha256.create();
const DIGEST = new Uint8Array(32);

/**
 * The SHA-256 of `bytes`, in a buffer shared by every call: read or copy it before the next call.
 * The hasher's state (which held the input) is wiped before this returns.
 */
export function sha256Digest(bytes: Uint8Array): Uint8Array {
  PRISTINE._cloneInto(HASHER);
  HASHER.update(bytes);
  HASHER.digestInto(DIGEST);
  HASHER.destroy();
  return DIGEST;
}
