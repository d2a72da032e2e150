import { Agent, type IncomingHttpHeaders, request } from 'node:http';
import { pkce, randomState } from '../src/oauth.js';
import { formOf } from '../src/walkthrough.js';

export interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/**
 * An HTTP client whose connections come from `localAddress`: any 127.0.0.0/8 address reaches
 * the demo on 127.0.0.1, so one test plays several clients with real, distinct socket addresses.
 */
export function clientFrom(localAddress: string) {
  const agent = new Agent({ keepAlive: true, localAddress });
  let cookie: string | undefined;
  const send = (
    url: string,
    init: { method?: string; form?: URLSearchParams; headers?: Record<string, string> } = {},
  ) =>
    new Promise<Reply>((resolve, reject) => {
      const body = init.form?.toString();
      const req = request(
        url,
        {
          agent,
          method: init.method ?? (body === undefined ? 'GET' : 'POST'),
          headers: {
            ...(body !== undefined && { 'content-type': 'application/x-www-form-urlencoded' }),
            ...(cookie && { cookie }),
            ...init.headers,
          },
        },
        (res) => {
          let text = '';
          res.setEncoding('utf8');
          res.on('data', (chunk) => {
            text += chunk;
          });
          res.on('end', () => {
            const set = res.headers['set-cookie']?.[0];
            if (set) cookie = set.split(';')[0];
            resolve({ status: res.statusCode!, headers: res.headers, body: text });
          });
        },
      );
      req.on('error', reject);
      req.end(body);
    });
  return { send, close: () => agent.destroy() };
}

export type Client = ReturnType<typeof clientFrom>;

/** A new authorization request for demo-web: the issuer's login form (GET /authorize). */
export function authorizeUrl(issuerUrl: string, redirectUri: string): string {
  const url = new URL('/authorize', issuerUrl);
  url.search = new URLSearchParams({
    response_type: 'code',
    client_id: 'demo-web',
    redirect_uri: redirectUri,
    scope: 'orders:read orders:write',
    state: randomState(),
    code_challenge: pkce().challenge,
    code_challenge_method: 'S256',
  }).toString();
  return url.href;
}

/** Posts the login form on `page` (an issuer login page) as `username` / `password`. */
export function signIn(
  client: Client,
  issuerUrl: string,
  page: string,
  username: string,
  password: string,
  headers: Record<string, string> = {},
): Promise<Reply> {
  const { action, fields } = formOf(page);
  fields.set('demo_username', username);
  fields.set('demo_password', password);
  return client.send(new URL(action, issuerUrl).href, { form: fields, headers });
}
