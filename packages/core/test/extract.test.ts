import {
  apiKey,
  createAuthenticator,
  extractCredential,
  fetchRequestView,
  jwt,
  MemoryApiKeyStore,
  type RequestView,
} from '@authcore/core';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  INVALID_REQUEST,
  jwtAuthenticator,
  jwtOptions,
  nodeView,
  rendered,
  sign,
  type TestKey,
  testKeys,
} from './fixtures.js';

let key: TestKey;
let token: string;
beforeAll(async () => {
  key = (await testKeys()).ES256;
  token = await sign(key);
});

const BARE = {
  status: 401,
  code: 'credentials_required',
  wwwAuthenticate: 'Bearer realm="api"',
  body: '{"error":"credentials_required","error_description":"Authentication required"}',
};
const BAD_REQUEST = { ...INVALID_REQUEST, code: 'invalid_request' };
const BARE_ALL = {
  ...BARE,
  wwwAuthenticate: 'Bearer realm="api", ApiKey realm="api"',
};

const fetchView = (headers: [string, string][], url = 'https://api.example/resource') =>
  fetchRequestView(new Request(url, { headers }));

describe('Authorization: Bearer', () => {
  it.each([['Bearer'], ['bearer'], ['BEARER'], ['BeArEr']])(
    'accepts the scheme name %s case-insensitively',
    async (scheme) => {
      const auth = jwtAuthenticator({ keys: key.jwk });
      const result = await auth.authenticate(nodeView(['Authorization', `${scheme} ${token}`]));
      expect(result.ok).toBe(true);
    },
  );

  it('accepts one or more spaces between scheme and token', async () => {
    const auth = jwtAuthenticator({ keys: key.jwk });
    for (const sp of [' ', '  ', '     ']) {
      const result = await auth.authenticate(nodeView(['Authorization', `Bearer${sp}${token}`]));
      expect(result.ok).toBe(true);
    }
  });

  it('takes the full b64token charset (RFC 6750 §2.1), trailing "=" included', () => {
    const token = 'AZaz09-._~+/abc==';
    const result = extractCredential(nodeView(['Authorization', `Bearer ${token}`]), {});
    expect(result).toEqual({
      ok: true,
      credential: { slot: 'bearer', token, source: 'authorization' },
    });
  });

  it('hands over any b64token as it is: telling a JWS from other tokens is for the schemes', () => {
    const extracted = (t: string) => {
      const result = extractCredential(nodeView(['Authorization', `bEaReR  ${t}`]), {});
      return result.ok ? result.credential : result.error.code;
    };
    for (const t of [
      'aB0_-.cD1.eF2-_',
      'a.b.c=',
      'a.b.c==',
      'a.b~.c',
      'a+.b.c',
      'a.b/.c',
      'a.b',
      'a.b.c.d',
      'a..c',
      '.b.c',
    ]) {
      expect(extracted(t)).toEqual({ slot: 'bearer', token: t, source: 'authorization' });
    }
  });

  it.each([
    ['Bearer'],
    ['Bearer '],
    ['Bearer a b'],
    ['Bearer a@b'],
    ['Bearer a,b'],
    ['Bearer "abc"'],
    ['Bearer =abc'],
    ['Bearer ab=c'],
    ['Bearer\tabc'],
    ['Bearer abc\u00e9'],
    ['@@@ abc'],
  ])('malformed header %j is invalid_request 400', async (value) => {
    const auth = jwtAuthenticator({ keys: key.jwk });
    const result = await auth.authenticate(nodeView(['Authorization', value]));
    expect(rendered(auth, result, 'malformed_credentials')).toEqual(BAD_REQUEST);
  });
});

describe('a cached token vouches for no other token', () => {
  // The verified-token cache is keyed by the signature segment: a token that shares a cached
  // token's signature but differs anywhere else is not that token, and its form is checked.
  it.each([
    ['a character outside b64token in the payload', (t: string) => t.replace('.', '.@')],
    ['a space inside the token', (t: string) => t.replace('.', '. ')],
    [
      'a quote before the signature',
      (t: string) => `${t.slice(0, t.lastIndexOf('.'))}".${t.slice(t.lastIndexOf('.') + 1)}`,
    ],
    ['padding in the middle', (t: string) => t.replace('.', '=.')],
  ])('%s is still invalid_request 400 once the real token is cached', async (_name, spoil) => {
    const auth = jwtAuthenticator({ keys: key.jwk });
    expect((await auth.authenticate(nodeView(['Authorization', `Bearer ${token}`]))).ok).toBe(true);
    const forged = spoil(token);
    expect(forged.slice(forged.lastIndexOf('.'))).toBe(token.slice(token.lastIndexOf('.')));
    const result = await auth.authenticate(nodeView(['Authorization', `Bearer ${forged}`]));
    expect(rendered(auth, result, 'malformed_credentials')).toEqual(BAD_REQUEST);
    // And the cached token itself is still accepted, in any casing of the scheme.
    const again = await auth.authenticate(nodeView(['Authorization', `bEARER  ${token}`]));
    expect(again.ok).toBe(true);
  });
});

describe('more than one credential is invalid_request', () => {
  it('two Authorization headers, Node rawHeaders view', async () => {
    const auth = jwtAuthenticator({ keys: key.jwk });
    const view = nodeView(['Authorization', `Bearer ${token}`, 'authorization', `Bearer ${token}`]);
    expect(view.headers('authorization')).toHaveLength(2);
    expect(rendered(auth, await auth.authenticate(view), 'multiple_credentials')).toEqual(
      BAD_REQUEST,
    );
  });

  it('two Authorization headers, fetch Request view (merged with ", ")', async () => {
    const auth = jwtAuthenticator({ keys: key.jwk });
    const view = fetchView([
      ['authorization', `Bearer ${token}`],
      ['authorization', `Bearer ${token}`],
    ]);
    expect(rendered(auth, await auth.authenticate(view), 'multiple_credentials')).toEqual(
      BAD_REQUEST,
    );
  });

  it('one valid Authorization header in a fetch Request view', async () => {
    const auth = jwtAuthenticator({ keys: key.jwk });
    const result = await auth.authenticate(fetchView([['authorization', `Bearer ${token}`]]));
    expect(result.ok).toBe(true);
  });

  it('a header and a query token', async () => {
    const auth = jwtAuthenticator({ keys: key.jwk });
    const withQuery = createAuthenticator({
      schemes: [jwt(jwtOptionsFor(key))],
      sources: { query: 'access_token' },
    });
    const view = nodeView(['Authorization', `Bearer ${token}`], `/resource?access_token=${token}`);
    expect(rendered(withQuery, await withQuery.authenticate(view), 'multiple_credentials')).toEqual(
      BAD_REQUEST,
    );
    // RFC 6750 §2: two methods even with the query source off (the parameter is never read then).
    expect(rendered(auth, await auth.authenticate(view), 'multiple_credentials')).toEqual(
      BAD_REQUEST,
    );
  });

  it('a header and a query access_token with the query source off, in every view', async () => {
    const store = new MemoryApiKeyStore();
    const auth = createAuthenticator({
      schemes: [jwt(jwtOptionsFor(key)), apiKey({ store })],
    });
    const views: [string, RequestView][] = [
      ['node, Bearer', nodeView(['Authorization', `Bearer ${token}`], '/r?a=1&access_token=x')],
      ['node, empty value', nodeView(['Authorization', `Bearer ${token}`], '/r?access_token')],
      ['node, API key', nodeView(['X-API-Key', 'sk_x_y'], `/r?access_token=${token}`)],
      [
        'fetch',
        fetchView([['authorization', `Bearer ${token}`]], 'https://api.example/r?access_token=x'),
      ],
    ];
    for (const [name, view] of views) {
      expect({
        name,
        ...rendered(auth, await auth.authenticate(view), 'multiple_credentials'),
      }).toEqual({
        name,
        ...BAD_REQUEST,
      });
    }
    // Alone it is still no credential, and other parameters (or the name as a value) are fine.
    expect(
      rendered(
        auth,
        await auth.authenticate(nodeView([], `/r?access_token=${token}`)),
        'credentials_missing',
      ),
    ).toEqual(BARE_ALL);
    for (const url of ['/r?page=2', '/r?q=access_token', '/r#access_token=x', '/r']) {
      const ok = await auth.authenticate(nodeView(['Authorization', `Bearer ${token}`], url));
      expect({ url, ok: ok.ok }).toEqual({ url, ok: true });
    }
  });

  it('two cookies of the token name, in one Cookie line or two', async () => {
    const auth = createAuthenticator({
      schemes: [jwt(jwtOptionsFor(key))],
      sources: { cookie: 'access_token' },
    });
    for (const raw of [
      ['Cookie', `access_token=${token}; theme=dark; access_token=${token}`],
      ['Cookie', `access_token=${token}`, 'Cookie', `access_token=${token}`],
      ['Cookie', `access_token=; access_token=${token}`],
    ]) {
      expect(
        rendered(auth, await auth.authenticate(nodeView(raw)), 'multiple_credentials'),
      ).toEqual(BAD_REQUEST);
    }
    const one = nodeView(['Cookie', `my_access_token=1; access_token=${token}; access_token_x=2`]);
    expect((await auth.authenticate(one)).ok).toBe(true);
  });

  it('a header and a cookie', async () => {
    const auth = createAuthenticator({
      schemes: [jwt(jwtOptionsFor(key))],
      sources: { cookie: 'access_token' },
    });
    const view = nodeView([
      'Authorization',
      `Bearer ${token}`,
      'Cookie',
      `theme=dark; access_token=${token}`,
    ]);
    expect(rendered(auth, await auth.authenticate(view), 'multiple_credentials')).toEqual(
      BAD_REQUEST,
    );
  });

  it('two query tokens', async () => {
    const auth = createAuthenticator({
      schemes: [jwt(jwtOptionsFor(key))],
      sources: { query: 'access_token' },
    });
    const view = nodeView([], `/r?access_token=${token}&access_token=${token}`);
    expect(rendered(auth, await auth.authenticate(view), 'multiple_credentials')).toEqual(
      BAD_REQUEST,
    );
  });
});

describe('cookie and query sources', () => {
  const cookieView = (t: string) => nodeView(['Cookie', `a=1; access_token=${t}; b=2`]);
  const queryView = (t: string) => nodeView([], `/resource?x=1&access_token=${t}#frag`);

  it('are off by default: a token there is no credential (401 bare)', async () => {
    const auth = jwtAuthenticator({ keys: key.jwk });
    expect(
      rendered(auth, await auth.authenticate(cookieView(token)), 'credentials_missing'),
    ).toEqual(BARE);
    expect(
      rendered(auth, await auth.authenticate(queryView(token)), 'credentials_missing'),
    ).toEqual(BARE);
  });

  it('a cookie is read when named', async () => {
    const auth = createAuthenticator({
      schemes: [jwt(jwtOptionsFor(key))],
      sources: { cookie: 'access_token' },
    });
    const result = await auth.authenticate(cookieView(token));
    expect(result.ok && result.principal.id).toBe('user-1');
    const fetched = await auth.authenticate(fetchView([['cookie', `access_token=${token}`]]));
    expect(fetched.ok).toBe(true);
    expect(
      rendered(auth, await auth.authenticate(cookieView('a b')), 'malformed_credentials'),
    ).toEqual(BAD_REQUEST);
  });

  it('a query parameter is read when named', async () => {
    const auth = createAuthenticator({
      schemes: [jwt(jwtOptionsFor(key))],
      sources: { query: 'access_token' },
    });
    const result = await auth.authenticate(queryView(token));
    expect(result.ok && result.principal.id).toBe('user-1');
    expect(
      rendered(auth, await auth.authenticate(queryView('a%20b')), 'malformed_credentials'),
    ).toEqual(BAD_REQUEST);
  });
});

describe('no credential', () => {
  const cases: [string, RequestView][] = [
    ['no header at all', nodeView(['Host', 'api.example'])],
    ['an empty Authorization header', nodeView(['Authorization', ''])],
    ['Basic credentials', nodeView(['Authorization', 'Basic dXNlcjpwYXNz'])],
    ['Basic credentials (fetch view)', fetchView([['authorization', 'Basic dXNlcjpwYXNz']])],
    ['DPoP when no scheme takes DPoP', nodeView(['Authorization', 'DPoP abc'])],
    [
      'Digest credentials with parameters (Node view)',
      nodeView(['Authorization', 'Digest username="a", realm="b", nonce="c"']),
    ],
    [
      'Digest credentials with parameters (fetch view)',
      fetchView([['authorization', 'Digest username="a", realm="b", nonce="c"']]),
    ],
  ];
  it.each(cases)('%s is 401 with a bare challenge', async (_name, view) => {
    const auth = jwtAuthenticator({ keys: key.jwk });
    expect(rendered(auth, await auth.authenticate(view), 'credentials_missing')).toEqual(BARE);
  });

  it('optional mode lets it through as anonymous', async () => {
    const auth = jwtAuthenticator({ keys: key.jwk });
    const result = await auth.authenticate(nodeView([]), { optional: true });
    expect(result).toEqual({ ok: true, principal: undefined });
  });

  it('optional mode still refuses a malformed credential', async () => {
    const auth = jwtAuthenticator({ keys: key.jwk });
    const result = await auth.authenticate(nodeView(['Authorization', 'Bearer']), {
      optional: true,
    });
    expect(result.ok).toBe(false);
  });
});

function jwtOptionsFor(k: TestKey) {
  return jwtOptions({ keys: k.jwk });
}
