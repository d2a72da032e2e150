// What the tests of remote key sources (JWKS, discovery, outages) set up the same way.
import { createAuthenticator, type FetchLike, jwt, type RemoteKeysOptions } from '@authcore/core';
import { afterEach } from 'vitest';
import { AUDIENCE, NOW } from '../fixtures.js';

/** Servers a test starts, closed after it: `const track = closeAfterEach()`, then `track(server)`. */
export function closeAfterEach() {
  const open: { close(): Promise<void> }[] = [];
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
  });
  return <S extends { close(): Promise<void> }>(server: S): S => {
    open.push(server);
    return server;
  };
}

/** ES256 tokens of `issuer`, its keys found by discovery; the fixed test clock unless given. */
export function discoveryAuthenticator(
  issuer: string,
  options: { now?: () => number; fetch?: FetchLike; jwks?: RemoteKeysOptions } = {},
) {
  return createAuthenticator({
    schemes: [
      jwt({
        issuer,
        audience: AUDIENCE,
        algorithms: ['ES256'],
        discovery: true,
        now: options.now ?? (() => NOW),
        ...(options.fetch && { fetch: options.fetch }),
        ...(options.jwks && { jwks: options.jwks }),
      }),
    ],
  });
}
