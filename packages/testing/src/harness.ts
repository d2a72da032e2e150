import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { AnyPrincipal, Authenticator, ResourceMetadataOptions } from '@authcore/core';
import {
  type ConformanceAuthenticator,
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

/** How a test builds the server under test, with the conformance authenticator and metadata. */
export type StartServer = (
  authenticator: Authenticator<AnyPrincipal>,
  metadata: ResourceMetadataOptions,
) => RunningServer | Promise<RunningServer>;

/** A table's harness: an issuer, its cases, the server `start` builds, and a `check` per case. */
export async function tableHarness<C>(
  start: StartServer,
  table: (issuer: TestIssuer) => Promise<C[]>,
  diff: (c: C, baseUrl: string, authenticator: ConformanceAuthenticator) => Promise<string[]>,
) {
  const issuer = await createTestIssuer();
  const cases = await table(issuer);
  const authenticator = conformanceAuthenticator(issuer);
  const server = await start(authenticator, conformanceResourceMetadata);
  return {
    issuer,
    cases,
    check: (c: C) => diff(c, server.url, authenticator),
    close: async () => {
      await server.close();
      await issuer.close();
    },
  };
}

/**
 * Everything one adapter's conformance test needs, whatever the test runner: a test issuer, the
 * case table, and the server `start` builds with the conformance authenticator and metadata.
 */
export const conformanceHarness = (start: StartServer): Promise<ConformanceHarness> =>
  tableHarness(start, conformanceCases, async (c: ConformanceCase, url, authenticator) => {
    // The reason is never rendered: the authenticator records the one it refused for.
    authenticator.takeReasons();
    const response = await sendConformanceRequest(url, c.request);
    return diffConformance(c.expect, response, authenticator.takeReasons());
  });
