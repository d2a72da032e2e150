import {
  conformanceAuthenticator,
  conformanceCases,
  createTestIssuer,
  diffConformance,
  sendConformanceRequest,
} from '@authcore/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conformanceApp } from './app.js';
import { type Listening, listen } from './helpers.js';

// it.each needs the table when the file is collected, so the issuer is created at top level.
const issuer = await createTestIssuer();
const cases = await conformanceCases(issuer);
const authenticator = conformanceAuthenticator(issuer);
let server: Listening;

beforeAll(async () => {
  server = await listen(conformanceApp(authenticator));
});

afterAll(async () => {
  await server?.close();
  await issuer.close();
});

describe('@authcore/koa passes the adapter conformance suite', () => {
  it('has the whole table', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  it.each(cases.map((c) => [c.name, c] as const))('%s', async (_name, c) => {
    authenticator.takeReasons();
    const response = await sendConformanceRequest(server.url, c.request);
    expect(diffConformance(c.expect, response, authenticator.takeReasons())).toEqual([]);
  });
});
