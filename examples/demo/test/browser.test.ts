import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Demo, startDemo } from '../src/demo.js';

// Debian's chromium package (`.ci/run` installs it); playwright-core never downloads a browser.
const CHROMIUM = '/usr/bin/chromium';
const results = fileURLToPath(new URL('../test-results/', import.meta.url));

let demo: Demo;
let browser: BrowserContext;
let profile: string;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(
      `${CHROMIUM} is missing: the browser test drives Debian's chromium. Install it with ` +
        '`apt-get update && apt-get install -y --no-install-recommends chromium` (.ci/run does).',
    );
  demo = await startDemo({ issuer: 0, api: 0, web: 0 });
  profile = await mkdtemp(join(tmpdir(), 'authcore-demo-chromium-'));
  // A fresh profile (--user-data-dir) per run.
  browser = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    viewport: { width: 1000, height: 1300 },
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}, 60_000);

afterAll(async () => {
  await browser?.close();
  await demo?.close();
  if (profile) await rm(profile, { recursive: true, force: true });
});

describe('the demo web page in headless Chromium', () => {
  it('logs in, consents, comes back and shows the API answers', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(demo.urls.web);
      await page.click('#login');

      // The issuer's login form (served by the demo's authorize hook).
      await page.waitForURL(`${demo.urls.issuer}/authorize?**`);
      const authorize = new URL(page.url());
      expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
      expect(authorize.searchParams.get('redirect_uri')).toBe(demo.redirectUri);
      await mkdir(results, { recursive: true });
      await page.screenshot({ path: join(results, 'demo-login.png') });
      await page.fill('#username', demo.user.username);
      await page.fill('#password', 'wrong');
      await page.click('#sign-in');
      await expect.poll(() => page.textContent('#login-error')).toContain('Wrong username');
      // The form comes back with the username kept: only the password is typed again.
      expect(await page.inputValue('#username')).toBe(demo.user.username);
      expect(await page.inputValue('#password')).toBe('');
      await page.fill('#password', demo.user.password);
      await page.click('#sign-in');

      // Consent, then the redirect back to the client.
      await page.waitForSelector('#allow');
      expect(await page.textContent('h1')).toContain('Allow demo-web');
      await page.screenshot({ path: join(results, 'demo-consent.png') });
      await page.click('#allow');
      await page.waitForURL(`${demo.urls.web}/`);
      await page.waitForSelector('#api');

      expect(await page.textContent('#signed-in')).toContain('Signed in as Alice (alice)');
      expect(await page.textContent('#scopes')).toBe('orders:read orders:write');
      const statuses = await page.$$eval('.call', (calls) =>
        calls.map(
          (c) => `${c.querySelector('code')?.textContent} ${c.getAttribute('data-status')}`,
        ),
      );
      expect(statuses).toEqual([
        'GET /v1/me 200',
        'GET /v1/orders 200',
        'POST /v1/orders 201',
        'GET /v1/admin 403',
      ]);
      expect(await page.textContent('#call-0')).toContain('"id":"alice"');
      expect(await page.textContent('#call-3')).toContain('error="insufficient_scope"');

      // The access token's remaining lifetime (expires_in 600) counts down on the page.
      const left = async () => Number(await page.textContent('#expires-in'));
      const first = await left();
      expect(first).toBeGreaterThan(590);
      expect(first).toBeLessThanOrEqual(600);
      await expect.poll(left, { timeout: 5_000 }).toBeLessThan(first);
      await expect.poll(left, { timeout: 5_000 }).toBeLessThan(first - 1);

      // Refresh rotates the tokens; the page calls the API again with the new access token.
      await page.click('#refresh');
      await page.waitForSelector('text=refreshed 1 time(s)');
      expect(await page.getAttribute('#call-1', 'data-status')).toBe('200');

      await page.screenshot({ path: join(results, 'demo-web-signed-in.png'), fullPage: true });

      // Log out revokes the refresh token; the page offers the login again.
      await page.click('#logout');
      await page.waitForSelector('#login');
      expect(await page.textContent('#message')).toBe('You are logged out.');
      expect(await page.$('#signed-in')).toBeNull();

      // Denying at the consent step comes back as access_denied, shown by the page.
      await page.click('#login');
      await page.fill('#username', demo.user.username);
      await page.fill('#password', demo.user.password);
      await page.click('#sign-in');
      await page.click('#deny');
      await page.waitForSelector('#message');
      expect(await page.textContent('#message')).toContain('access_denied');
    } finally {
      await page.close();
    }
  }, 60_000);
});
