import { fetchRequestView, nodeRequestView, requestUrl } from '@authcore/core';
import { describe, expect, it } from 'vitest';

describe('nodeRequestView', () => {
  const raw = [
    'Host',
    'api.example:8443',
    'Authorization',
    'Bearer one',
    'X-Forwarded-Proto',
    'https, http',
    'X-Forwarded-Host',
    'public.example',
    'AUTHORIZATION',
    'Bearer two',
    'Cookie',
    'a=1',
    'cookie',
    'b=2',
  ];

  it('sees every value of a repeated header, in order, whatever the case of its name', () => {
    const view = nodeRequestView({ rawHeaders: raw, url: '/x' });
    expect(view.headers('authorization')).toEqual(['Bearer one', 'Bearer two']);
    expect(view.headers('cookie')).toEqual(['a=1', 'b=2']);
    expect(view.headers('x-api-key')).toEqual([]);
  });

  it('builds the absolute URL from the socket and Host', () => {
    expect(nodeRequestView({ rawHeaders: raw, url: '/x?y=1' }).url).toBe(
      'http://api.example:8443/x?y=1',
    );
    expect(nodeRequestView({ rawHeaders: raw, url: '/x', socket: { encrypted: true } }).url).toBe(
      'https://api.example:8443/x',
    );
    expect(nodeRequestView({ rawHeaders: [] }).url).toBe('http://localhost/');
  });

  it('ignores X-Forwarded-* unless trustProxy, then takes their first value', () => {
    expect(nodeRequestView({ rawHeaders: raw, url: '/x' }, { trustProxy: true }).url).toBe(
      'https://public.example/x',
    );
  });

  it('originalUrl overrides a rewritten req.url; method defaults to GET', () => {
    const view = nodeRequestView({ rawHeaders: raw, url: '/x' }, { originalUrl: '/api/x?q' });
    expect(view.url).toBe('http://api.example:8443/api/x?q');
    expect(view.method).toBe('GET');
    expect(nodeRequestView({ rawHeaders: [], method: 'POST' }).method).toBe('POST');
  });
});

describe('fetchRequestView', () => {
  it('exposes method, URL and header values', () => {
    const view = fetchRequestView(
      new Request('https://api.example/x?y=1', {
        method: 'POST',
        headers: { Authorization: 'Bearer abc' },
      }),
    );
    expect(view.method).toBe('POST');
    expect(view.url).toBe('https://api.example/x?y=1');
    expect(view.headers('authorization')).toEqual(['Bearer abc']);
    expect(view.headers('x-api-key')).toEqual([]);
    expect(view.headers('cookie')).toEqual([]);
  });

  it('splits repeated credentials merged with ", " back apart', () => {
    const view = fetchRequestView(
      new Request('https://api.example/', {
        headers: [
          ['authorization', 'Bearer a'],
          ['authorization', 'Bearer b'],
        ],
      }),
    );
    expect(view.headers('authorization')).toEqual(['Bearer a', 'Bearer b']);
  });

  it('keeps the auth-params of one credential together', () => {
    const view = fetchRequestView(
      new Request('https://api.example/', {
        headers: { authorization: 'Digest username="a", realm="b, c", nonce="d"' },
      }),
    );
    expect(view.headers('authorization')).toEqual(['Digest username="a", realm="b, c", nonce="d"']);
  });

  it('reads the Cookie header whole (its separator is ";")', () => {
    const view = fetchRequestView(
      new Request('https://api.example/', { headers: { cookie: 'a=1, 2; b=3' } }),
    );
    expect(view.headers('cookie')).toEqual(['a=1, 2; b=3']);
  });
});

describe('forwarded and HTTP/2 hosts', () => {
  it('fetchRequestView honours X-Forwarded-* only with trustProxy', () => {
    const req = new Request('http://10.0.0.1:8080/v1/x?y=1', {
      headers: { 'x-forwarded-proto': 'https, http', 'x-forwarded-host': 'api.example' },
    });
    expect(fetchRequestView(req).url).toBe('http://10.0.0.1:8080/v1/x?y=1');
    expect(fetchRequestView(req, { trustProxy: true }).url).toBe('https://api.example/v1/x?y=1');
  });

  it('nodeRequestView falls back to :authority when there is no Host', () => {
    const view = nodeRequestView({
      method: 'GET',
      url: '/a',
      rawHeaders: [':authority', 'h2.example'],
    });
    expect(view.url).toBe('http://h2.example/a');
  });
});

describe('hosts that are not hosts', () => {
  it('a path or query smuggled into Host or X-Forwarded-Host yields a host no proof can name', () => {
    const smuggled = nodeRequestView({
      method: 'GET',
      url: '/admin',
      rawHeaders: ['Host', 'api.example/v1/orders?'],
    });
    expect(smuggled.url).toBe('http://invalid.invalid/admin');
    const ipv6 = nodeRequestView({ method: 'GET', url: '/a', rawHeaders: ['Host', '[::1]:8443'] });
    expect(ipv6.url).toBe('http://[::1]:8443/a');
    const forwarded = nodeRequestView(
      {
        method: 'GET',
        url: '/a',
        rawHeaders: ['Host', 'h', 'X-Forwarded-Host', 'evil/x?', 'X-Forwarded-Proto', 'javascript'],
      },
      { trustProxy: true },
    );
    expect(forwarded.url).toBe('http://invalid.invalid/a');
    const req = new Request('http://h/a', { headers: { 'x-forwarded-host': 'evil/x?' } });
    expect(fetchRequestView(req, { trustProxy: true }).url).toBe('http://invalid.invalid/a');
  });
});

describe('requestUrl', () => {
  it('builds the absolute URL only from a scheme, a host and an origin-form target', () => {
    expect(requestUrl('HTTPS', 'api.example:8443', '/x?y=1')).toBe(
      'https://api.example:8443/x?y=1',
    );
    expect(requestUrl('http', '[::1]', '/')).toBe('http://[::1]/');
    for (const [proto, host, target] of [
      ['http', 'example.com/token?', '/other'],
      ['http', 'example.com#', '/'],
      ['http', 'a@b', '/'],
      ['javascript', 'example.com', '/'],
      ['http', 'example.com', 'http://evil.example/token'],
      ['http', '', '/'],
    ]) {
      expect(requestUrl(proto!, host!, target!)).toBeUndefined();
    }
  });
});
