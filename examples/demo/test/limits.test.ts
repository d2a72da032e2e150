import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Demo, startDemo } from '../src/demo.js';
import { page } from '../src/html.js';
import { formOf } from '../src/walkthrough.js';
import { authorizeUrl, type Client, clientFrom, type Reply, signIn } from './http.js';

// The refusals, as the user sees them: the wait is in Retry-After, the text never changes.
const refusal = (app: 'issuer' | 'web', text: string) =>
  app === 'issuer'
    ? page(
        'Try again later · authcore demo issuer',
        'authcore demo issuer',
        `<div class="card"><h1>Try again later</h1>\n<p class="error" id="refused">${text}</p></div>`,
      )
    : page(
        'Try again later · authcore demo web client',
        'authcore demo <small>web client</small>',
        `<div class="card"><h1>Try again later</h1>\n<p class="error" id="refused">${text}</p></div>`,
      );
const TOO_MANY_ATTEMPTS = refusal(
  'issuer',
  'Too many failed sign-in attempts. Wait a few minutes and try again.',
);
const TOO_MANY_FORMS = refusal(
  'issuer',
  'Too many sign-in forms are open from your address. Finish one, or wait a few minutes and try again.',
);
const TOO_MANY_SESSIONS = refusal(
  'web',
  'Too many sessions were started from your address. Wait a few minutes and try again.',
);

let demo: Demo;
const clients: Client[] = [];
const from = (address: string) => {
  const client = clientFrom(address);
  clients.push(client);
  return client;
};

beforeEach(async () => {
  demo = await startDemo({ issuer: 0, api: 0, web: 0 });
});
afterEach(async () => {
  for (const client of clients.splice(0)) client.close();
  await demo.close();
});

const openLogin = async (client: Client) => {
  const reply = await client.send(authorizeUrl(demo.urls.issuer, demo.redirectUri));
  expect(reply.status).toBe(200);
  return reply.body;
};

/** `count` wrong passwords for `username` from `client`, each a 401 login form again. */
async function guessWrong(client: Client, username: string, count: number) {
  let form = '';
  for (let i = 0; i < count; i++) {
    if (i % 5 === 0) form = await openLogin(client); // a form takes five wrong passwords
    const reply = await signIn(client, demo.urls.issuer, form, username, 'not-the-password');
    expect(reply.status, `guess ${i + 1}`).toBe(401);
    expect(reply.body).toContain('Wrong username or password.');
    form = reply.body;
  }
}

function expectRefused(reply: Reply, status: number, body: string, maxWait: number) {
  expect(reply.status).toBe(status);
  expect(reply.headers['content-type']).toBe('text/html; charset=utf-8');
  const wait = Number(reply.headers['retry-after']);
  expect(Number.isInteger(wait) && wait >= 1 && wait <= maxWait, `Retry-After ${wait}`).toBe(true);
  expect(reply.body).toBe(body);
}

describe('password guessing on the demo login form', () => {
  it('gives an address 10 wrong passwords per 15 minutes, then refuses every attempt (the right password too) with 429 and Retry-After', async () => {
    const guesser = from('127.0.0.2');
    await guessWrong(guesser, 'alice', 10);

    const form = await openLogin(guesser);
    const right = await signIn(guesser, demo.urls.issuer, form, 'alice', 'wonderland');
    expectRefused(right, 429, TOO_MANY_ATTEMPTS, 900);
    // Another username from the same address: the address is what is limited.
    const other = await signIn(guesser, demo.urls.issuer, form, 'bob', 'x');
    expectRefused(other, 429, TOO_MANY_ATTEMPTS, 900);
    // X-Forwarded-For is anyone's to write: the socket address is what counts.
    const spoofed = await signIn(guesser, demo.urls.issuer, form, 'alice', 'wonderland', {
      'x-forwarded-for': '203.0.113.7',
    });
    expectRefused(spoofed, 429, TOO_MANY_ATTEMPTS, 900);
    // The refused form is still good once the wait is over; another address signs in now.
    const neighbour = from('127.0.0.3');
    const ok = await signIn(
      neighbour,
      demo.urls.issuer,
      await openLogin(neighbour),
      'alice',
      'wonderland',
    );
    expect(ok.status).toBe(200);
    expect(ok.body).toContain('Allow demo-web');
  });

  it('gives a username 20 wrong passwords from all addresses together, then refuses it from a fresh address, the right password too', async () => {
    await guessWrong(from('127.0.0.4'), 'Alice', 10);
    await guessWrong(from('127.0.0.5'), 'alice', 10);

    const fresh = from('127.0.0.6');
    const form = await openLogin(fresh);
    const right = await signIn(fresh, demo.urls.issuer, form, 'alice', 'wonderland');
    expectRefused(right, 429, TOO_MANY_ATTEMPTS, 900);
    // That address is not limited itself: another username still gets its answer.
    const bob = await signIn(fresh, demo.urls.issuer, form, 'bob', 'x');
    expect(bob.status).toBe(401);
    expect(bob.body).toContain('Wrong username or password.');
  });

  it('counts failures only: a right password gives its point back', async () => {
    const client = from('127.0.0.7');
    await guessWrong(client, 'alice', 9);
    const ok = await signIn(
      client,
      demo.urls.issuer,
      await openLogin(client),
      'alice',
      'wonderland',
    );
    expect(ok.status).toBe(200);
    // The tenth failure is still a 401, the eleventh attempt a 429.
    await guessWrong(client, 'alice', 1);
    const refused = await signIn(
      client,
      demo.urls.issuer,
      await openLogin(client),
      'alice',
      'wonderland',
    );
    expectRefused(refused, 429, TOO_MANY_ATTEMPTS, 900);
  });
});

describe('a flood of cheap requests from one address', () => {
  it("evicts no other client's pending login or session (1,100 each of GET /authorize, GET /login, GET /)", async () => {
    const victim = from('127.0.0.8');
    const attacker = from('127.0.0.9');

    // The victim signs in on the web page over HTTP, as the browser would.
    const login = await victim.send(`${demo.urls.web}/login`);
    expect(login.status).toBe(303);
    const loginForm = await victim.send(login.headers.location!);
    const consent = await signIn(victim, demo.urls.issuer, loginForm.body, 'alice', 'wonderland');
    expect(consent.status).toBe(200);
    // The consent page says where the issuer knows the client from (here: pre-registered).
    expect(consent.body).toContain(
      `<p id="client-provenance">A client registered by this server's operator.</p>`,
    );
    const allow = formOf(consent.body);
    allow.fields.set('demo_decision', 'allow');
    const back = await victim.send(new URL(allow.action, demo.urls.issuer).href, {
      form: allow.fields,
    });
    expect(back.status).toBe(302);
    expect((await victim.send(back.headers.location!)).status).toBe(303);
    expect((await victim.send(`${demo.urls.web}/`)).body).toContain(
      'Signed in as Alice (<code>alice</code>)',
    );
    // And opens a login form it will post after the flood.
    const pendingForm = await openLogin(victim);

    const statuses = new Map<string, number>();
    const count = (what: string, reply: Reply) =>
      statuses.set(`${what} ${reply.status}`, (statuses.get(`${what} ${reply.status}`) ?? 0) + 1);
    let lastAuthorize: Reply | undefined;
    let lastLogin: Reply | undefined;
    for (let i = 0; i < 1100; i++) {
      lastAuthorize = await attacker.send(authorizeUrl(demo.urls.issuer, demo.redirectUri));
      count('authorize', lastAuthorize);
      lastLogin = await attacker.send(`${demo.urls.web}/login`, { headers: { cookie: '' } });
      count('login', lastLogin);
      const home = await attacker.send(`${demo.urls.web}/`, { headers: { cookie: '' } });
      count(home.headers['set-cookie'] ? 'home with a new session' : 'home', home);
    }
    // The victim's session and pending login survived.
    expect((await victim.send(`${demo.urls.web}/`)).body).toContain(
      'Signed in as Alice (<code>alice</code>)',
    );
    const after = await signIn(victim, demo.urls.issuer, pendingForm, 'alice', 'wonderland');
    expect(after.status).toBe(200);
    expect(after.body).toContain('Allow demo-web');
    // Each address holds 20 forms and 20 sessions; the rest of the flood is refused.
    expect(Object.fromEntries(statuses)).toEqual({
      'authorize 200': 20,
      'authorize 429': 1080,
      'login 303': 20,
      'login 429': 1080,
      'home 200': 1100,
    });
    expectRefused(lastAuthorize!, 429, TOO_MANY_FORMS, 600);
    expectRefused(lastLogin!, 429, TOO_MANY_SESSIONS, 3600);
  }, 60_000);
});
