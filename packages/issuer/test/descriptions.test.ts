import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  authorizeCode,
  challengeOf,
  post,
  REDIRECT,
  SERVICE,
  type Served,
  serve,
  VERIFIER,
} from './helpers.js';

// RFC 6749 §5.2 / §4.1.2.1: error_description is %x20-21 / %x23-5B / %x5D-7E.
const CHARSET = /^[\x20\x21\x23-\x5b\x5d-\x7e]+$/;
const HOSTILE = '"><script>alert(1)</script>';

let served: Served;
beforeAll(async () => {
  served = await serve({
    authorize: async (request) => {
      const text = request.headers.get('x-description');
      return { error: 'access_denied', ...(text !== null && { errorDescription: text }) };
    },
  });
});
afterAll(() => served.close());

describe('error descriptions are fixed texts, never request input', () => {
  it('a hostile resource is not echoed in the redirect to the client', async () => {
    const { status, location } = await authorizeCode(served, {
      response_type: 'code',
      client_id: 'webapp',
      redirect_uri: REDIRECT,
      code_challenge: await challengeOf(VERIFIER),
      code_challenge_method: 'S256',
      resource: HOSTILE,
    });
    expect(status).toBe(302);
    expect(Object.fromEntries(location!.searchParams)).toEqual({
      error: 'invalid_target',
      error_description: 'a requested resource is not allowed for this client',
      iss: served.url,
    });
    expect(location!.href).not.toMatch(/%3Cscript|<script/i);
  });

  it('a hostile resource, scope, grant type or repeated parameter is not echoed in JSON', async () => {
    const cases: [Record<string, string | string[]>, number, Record<string, string>][] = [
      [
        { grant_type: 'client_credentials', resource: HOSTILE },
        400,
        {
          error: 'invalid_target',
          error_description: 'a requested resource is not allowed for this client',
        },
      ],
      [
        { grant_type: 'client_credentials', scope: 'read <b>x</b>' },
        400,
        {
          error: 'invalid_scope',
          error_description: 'a requested scope is not allowed for this client',
        },
      ],
      [
        { grant_type: HOSTILE },
        400,
        { error: 'unsupported_grant_type', error_description: 'the grant_type is not supported' },
      ],
      [
        { grant_type: 'client_credentials', [HOSTILE]: ['a', 'b'] },
        400,
        { error: 'invalid_request', error_description: 'a parameter is repeated' },
      ],
    ];
    for (const [form, status, body] of cases) {
      const res = await post(`${served.url}/token`, form, { authorization: SERVICE });
      expect([res.status, res.body]).toEqual([status, body]);
      expect(res.text).not.toContain('<script');
    }
  });

  it('a host hook description outside the character set is dropped; one inside is passed on', async () => {
    const ask = async (description?: string) => {
      const url = new URL(`${served.url}/authorize`);
      for (const [k, v] of Object.entries({
        response_type: 'code',
        client_id: 'spa',
        code_challenge: await challengeOf(VERIFIER),
        code_challenge_method: 'S256',
      }))
        url.searchParams.set(k, v);
      const res = await fetch(url, {
        redirect: 'manual',
        headers: description === undefined ? {} : { 'x-description': description },
      });
      return Object.fromEntries(new URL(res.headers.get('location')!).searchParams);
    };
    expect(await ask('say "no" \\ now')).toEqual({ error: 'access_denied', iss: served.url });
    expect(await ask('the user said no')).toEqual({
      error: 'access_denied',
      error_description: 'the user said no',
      iss: served.url,
    });
  });
});

/**
 * Every `error_description` the issuer can produce, read from its source: each description
 * argument (of `new OAuthError`, `new Refused`, `fail`) and each `error_description` property
 * must be a string literal in the RFC 6749 set, or one of the few pass-throughs of such texts.
 */
describe('every description in the issuer source', () => {
  const SRC = join(__dirname, '..', 'src');
  const files = (dir: string): string[] =>
    readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory()
        ? files(join(dir, e.name))
        : e.name.endsWith('.ts')
          ? [join(dir, e.name)]
          : [],
    );
  // Expressions that carry a text already checked here or filtered by `safeDescription`.
  const PASS_THROUGH = new Set([
    'error.description', // an OAuthError's or a Refused's own
    'refused.description', // an OAuthError's own, from `unexpected`
    'description', // `fail`'s parameter, rendered through `safeDescription`
    'decision.errorDescription', // the host's, rendered through `safeDescription`
    "reviewed.errorDescription ?? 'the registration was refused'", // the review hook's, an OAuthError's
    'METHOD_NOT_ALLOWED[allow]',
    'NOT_ALLOWED[grant]',
    'safeDescription(description)',
  ]);
  const literals: string[] = [];
  const offending: string[] = [];

  for (const file of files(SRC)) {
    const source = ts.createSourceFile(
      file,
      readFileSync(file, 'utf8'),
      ts.ScriptTarget.ES2022,
      true,
    );
    const check = (node: ts.Expression | undefined, where: ts.Node) => {
      if (node === undefined) return;
      if (ts.isConditionalExpression(node)) {
        check(node.whenTrue, where);
        check(node.whenFalse, where);
      } else if (ts.isStringLiteral(node) || ts.isNoSubstitutionTemplateLiteral(node)) {
        literals.push(node.text);
      } else if (!PASS_THROUGH.has(node.getText(source))) {
        const { line } = source.getLineAndCharacterOfPosition(where.getStart(source));
        offending.push(`${file.slice(SRC.length)}:${line + 1}: ${node.getText(source)}`);
      }
    };
    const visit = (node: ts.Node) => {
      if (ts.isNewExpression(node) || ts.isCallExpression(node)) {
        const callee = node.expression.getText(source);
        if (['OAuthError', 'Refused', 'fail'].includes(callee)) check(node.arguments?.[1], node);
      }
      if (
        ts.isPropertyAssignment(node) &&
        node.name.getText(source).replace(/['"]/g, '') === 'error_description'
      )
        check(node.initializer, node);
      if (ts.isVariableDeclaration(node) && /NOT_ALLOWED$/.test(node.name.getText(source))) {
        const init = node.initializer;
        const object =
          init && (ts.isSatisfiesExpression(init) || ts.isAsExpression(init))
            ? init.expression
            : init;
        if (object && ts.isAsExpression(object) && ts.isObjectLiteralExpression(object.expression))
          for (const p of object.expression.properties)
            if (ts.isPropertyAssignment(p)) check(p.initializer, p);
        if (object && ts.isObjectLiteralExpression(object))
          for (const p of object.properties)
            if (ts.isPropertyAssignment(p)) check(p.initializer, p);
      }
      ts.forEachChild(node, visit);
    };
    visit(source);
  }

  it('finds the descriptions (the scan works)', () => {
    expect(literals).toContain('a requested resource is not allowed for this client');
    expect(literals).toContain('this client may not use the refresh_token grant');
    expect(literals).toContain('method not allowed; use POST');
    expect(literals).toContain('malformed Host header or request target');
    expect(literals.length).toBeGreaterThan(30);
  });

  it('none is built from request input', () => {
    expect(offending).toEqual([]);
  });

  it('each is in RFC 6749’s character set', () => {
    expect(literals.filter((text) => !CHARSET.test(text))).toEqual([]);
  });
});
