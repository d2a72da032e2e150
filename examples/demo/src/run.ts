import { type Demo, type DemoPorts, PortInUseError, startDemo } from './demo.js';
import { runWalkthrough } from './walkthrough.js';

export interface DemoConfig {
  ports: DemoPorts;
  /** Exit once the walk-through is done (for tests and CI). */
  exitAfterWalkthrough: boolean;
  /** Skip the walk-through: just serve. */
  skipWalkthrough: boolean;
}

const truthy = (value: string | undefined) =>
  value !== undefined && value !== '' && value !== '0' && value !== 'false';

function port(env: Record<string, string | undefined>, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535)
    throw new Error(`${name}=${raw} is not a port number (0 picks a free one)`);
  return value;
}

/**
 * DEMO_ISSUER_PORT (4000), DEMO_API_PORT (4001), DEMO_WEB_PORT (4002);
 * DEMO_EXIT_AFTER_WALKTHROUGH=1 or --walkthrough-only; DEMO_SKIP_WALKTHROUGH=1 or --no-walkthrough.
 */
export function readConfig(env: Record<string, string | undefined>, argv: string[]): DemoConfig {
  return {
    ports: {
      issuer: port(env, 'DEMO_ISSUER_PORT', 4000),
      api: port(env, 'DEMO_API_PORT', 4001),
      web: port(env, 'DEMO_WEB_PORT', 4002),
    },
    exitAfterWalkthrough:
      argv.includes('--walkthrough-only') || truthy(env.DEMO_EXIT_AFTER_WALKTHROUGH),
    skipWalkthrough: argv.includes('--no-walkthrough') || truthy(env.DEMO_SKIP_WALKTHROUGH),
  };
}

export function banner(demo: Demo): string[] {
  const { urls } = demo;
  return [
    'authcore demo: everything on 127.0.0.1, fresh keys and secrets at every start',
    '',
    `  Issuer   ${urls.issuer}   (@authcore/issuer; metadata: ${urls.issuer}/.well-known/oauth-authorization-server)`,
    `  API      ${urls.api}   (Express + @authcore/express: GET /v1/me, GET|POST /v1/orders, GET /v1/admin)`,
    `  Web      ${urls.web}   (a web page acting as an OAuth client: code flow with PKCE)`,
    '',
    `  Demo user          ${demo.user.username} / ${demo.user.password}`,
    `  Service client     ${demo.serviceClient.clientId} / ${demo.serviceClient.clientSecret}`,
    `  Web client         ${demo.webClient.clientId} (confidential), redirect_uri ${demo.redirectUri}`,
    `  API key            ${demo.apiKey.key}  (scopes: ${demo.apiKey.scopes.join(' ')})`,
    '',
    '  Try it yourself:',
    `    curl -s -u ${demo.serviceClient.clientId}:${demo.serviceClient.clientSecret} -d grant_type=client_credentials ${urls.issuer}/token`,
    `    curl -si -H 'X-API-Key: ${demo.apiKey.key}' ${urls.api}/v1/orders`,
  ];
}

/**
 * The whole `pnpm demo`: start, print, walk through, then serve until `signal` aborts.
 * Resolves with the process exit code.
 */
export async function runDemo(options: {
  env: Record<string, string | undefined>;
  argv: string[];
  log: (line: string) => void;
  signal: AbortSignal;
}): Promise<number> {
  const { log, signal } = options;
  let config: DemoConfig;
  try {
    config = readConfig(options.env, options.argv);
  } catch (error) {
    log(`demo: ${(error as Error).message}`);
    return 1;
  }
  let demo: Demo;
  try {
    demo = await startDemo(config.ports);
  } catch (error) {
    if (error instanceof PortInUseError) {
      log(`demo: ${error.message}`);
      return 1;
    }
    throw error;
  }
  try {
    for (const line of banner(demo)) log(line);
    log('');
    let ok = true;
    if (!config.skipWalkthrough) ok = (await runWalkthrough(demo, log)).ok;
    log('');
    if (config.exitAfterWalkthrough) return ok ? 0 : 1;
    if (signal.aborted) {
      // Ctrl-C during the walk-through: it finished its step, and the demo stops now.
      log('Stopping the demo servers.');
      return 0;
    }
    log(
      `Now open ${demo.urls.web} in your browser: "Log in", sign in as ${demo.user.username} / ${demo.user.password},`,
    );
    log(
      'allow access, and the page shows what the API answers to your token. Ctrl-C stops everything.',
    );
    await new Promise<void>((resolve) =>
      signal.addEventListener('abort', () => resolve(), { once: true }),
    );
    log('');
    log('Stopping the demo servers.');
    return 0;
  } finally {
    await demo.close();
  }
}
