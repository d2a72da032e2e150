import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AnyPrincipal, Authenticator, ResourceMetadataOptions } from '@authcore/core';
import {
  type ConformanceCase,
  conformanceAuthenticator,
  conformanceCases,
  conformanceResourceMetadata,
  diffConformance,
  sendConformanceRequest,
} from './conformance.js';
import { createTestIssuer, type TestIssuer } from './test-issuer.js';

/** A server under test: its base URL and how to stop it. */
export interface RunningServer {
  url: string;
  close(): Promise<void>;
}

/** Listens a `node:http` server on 127.0.0.1 (a free port) and closes it with its connections. */
export async function listenOnLoopback(server: Server): Promise<RunningServer> {
  if (!server.listening) {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
  }
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

export interface ConformanceHarness {
  readonly issuer: TestIssuer;
  readonly cases: readonly ConformanceCase[];
  /**
   * Sends one case to the server; the differences from its expectation (empty: it conforms),
   * the refusal's `reason` included.
   */
  check(c: ConformanceCase): Promise<string[]>;
  close(): Promise<void>;
}

/**
 * Everything one adapter's conformance test needs, whatever the test runner: a test issuer, the
 * case table, and the server `start` builds with the conformance authenticator and metadata.
 */
export async function conformanceHarness(
  start: (
    authenticator: Authenticator<AnyPrincipal>,
    metadata: ResourceMetadataOptions,
  ) => RunningServer | Promise<RunningServer>,
): Promise<ConformanceHarness> {
  const issuer = await createTestIssuer();
  const cases = await conformanceCases(issuer);
  const authenticator = conformanceAuthenticator(issuer);
  const server = await start(authenticator, conformanceResourceMetadata);
  return {
    issuer,
    cases,
    check: async (c) => {
      authenticator.takeReasons();
      const response = await sendConformanceRequest(server.url, c.request);
      return diffConformance(c.expect, response, authenticator.takeReasons());
    },
    close: async () => {
      await server.close();
      await issuer.close();
    },
  };
}
