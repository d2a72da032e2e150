import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type ConformanceCase,
  conformanceAuthenticator,
  conformanceCases,
  createTestIssuer,
  diffConformance,
  sendConformanceRequest,
  type TestIssuer,
} from '@authcore/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createListener } from '../src/app.js';

let issuer: TestIssuer;
let server: Server;
let baseUrl: string;
let cases: ConformanceCase[];

beforeAll(async () => {
  issuer = await createTestIssuer();
  cases = await conformanceCases(issuer);
  server = createServer(createListener(conformanceAuthenticator(issuer)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await issuer.close();
});

describe('node:http with the core alone passes the adapter conformance suite', () => {
  it('answers every case exactly', async () => {
    const failures: string[] = [];
    for (const c of cases) {
      const diff = diffConformance(c.expect, await sendConformanceRequest(baseUrl, c.request));
      if (diff.length > 0) failures.push(`${c.name}: ${diff.join('; ')}`);
    }
    expect(failures).toEqual([]);
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });
});
