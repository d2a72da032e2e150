import type { ClientConfig, IssuerOptions } from '@authcore/issuer';

/** One entry of `AUTHCORE_CLIENTS`, in the snake_case of OAuth client metadata. */
interface ClientEntry {
  client_id: string;
  client_secret?: string;
  redirect_uris?: string[];
  scopes?: string[] | string;
  audience?: string[] | string;
}

export interface IssuerConfig {
  port: number;
  /** `AUTHCORE_ISSUER`, or undefined for `http://127.0.0.1:<port>`. */
  issuer: string | undefined;
  clients: ClientConfig[];
  demoUser: string | undefined;
  /** Dynamic registration, metadata documents and their policy, from the AUTHCORE_* switches. */
  dynamic: Pick<IssuerOptions, 'registration' | 'clientMetadataDocuments' | 'dynamicClients'>;
}

const fail = (message: string): never => {
  throw new Error(`examples/issuer: ${message}`);
};

function toClient(entry: unknown, index: number): ClientConfig {
  if (typeof entry !== 'object' || entry === null)
    fail(`AUTHCORE_CLIENTS[${index}] is not an object`);
  const e = entry as ClientEntry;
  if (typeof e.client_id !== 'string' || e.client_id === '')
    fail(`AUTHCORE_CLIENTS[${index}].client_id is required`);
  const scopes = typeof e.scopes === 'string' ? e.scopes.split(' ').filter(Boolean) : e.scopes;
  return {
    clientId: e.client_id,
    ...(e.client_secret !== undefined && { clientSecret: e.client_secret }),
    ...(e.redirect_uris !== undefined && { redirectUris: e.redirect_uris }),
    ...(scopes !== undefined && { scopes }),
    ...(e.audience !== undefined && { audience: e.audience }),
  };
}

/**
 * The environment contract: PORT (3000), AUTHCORE_ISSUER (http://127.0.0.1:$PORT),
 * AUTHCORE_CLIENTS (a JSON array of { client_id, client_secret?, redirect_uris?, scopes,
 * audience }), AUTHCORE_DEMO_USER (auto-approves /authorize as that user),
 * AUTHCORE_REGISTRATION=open (RFC 7591 registration), AUTHCORE_CLIENT_METADATA_DOCUMENTS=1
 * (client ID metadata documents), AUTHCORE_CLIENT_METADATA_ALLOW_LOOPBACK=1 (documents from
 * 127.0.0.1, local tests only).
 */
export function readConfig(env: Record<string, string | undefined>): IssuerConfig {
  const port = Number(env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail(`PORT ${env.PORT} is not a port`);
  let clients: ClientConfig[];
  if (env.AUTHCORE_CLIENTS) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(env.AUTHCORE_CLIENTS);
    } catch {
      return fail('AUTHCORE_CLIENTS is not JSON');
    }
    if (!Array.isArray(parsed)) fail('AUTHCORE_CLIENTS must be a JSON array');
    clients = (parsed as unknown[]).map(toClient);
  } else {
    // A local-only default so that `pnpm start` does something useful out of the box.
    clients = [
      {
        clientId: 'demo-client',
        clientSecret: 'demo-secret',
        scopes: ['orders:read', 'orders:write'],
        audience: env.AUTHCORE_AUDIENCE ?? 'https://api.test',
      },
    ];
  }
  return {
    port,
    issuer: env.AUTHCORE_ISSUER || undefined,
    clients,
    demoUser: env.AUTHCORE_DEMO_USER || undefined,
    dynamic: dynamicClients(env, clients),
  };
}

const on = (value: string | undefined, name: string): boolean => {
  if (value === undefined || value === '' || value === '0') return false;
  if (value === '1') return true;
  return fail(`${name} must be 1 or 0`);
};

/**
 * Clients the host did not configure get the audience `AUTHCORE_AUDIENCE` (else every audience
 * of the configured clients) and may ask for any scope a configured client has.
 */
function dynamicClients(
  env: Record<string, string | undefined>,
  clients: readonly ClientConfig[],
): IssuerConfig['dynamic'] {
  const registration = env.AUTHCORE_REGISTRATION || undefined;
  if (registration !== undefined && registration !== 'open')
    fail('AUTHCORE_REGISTRATION must be open (or unset)');
  const documents = on(
    env.AUTHCORE_CLIENT_METADATA_DOCUMENTS,
    'AUTHCORE_CLIENT_METADATA_DOCUMENTS',
  );
  const loopback = on(
    env.AUTHCORE_CLIENT_METADATA_ALLOW_LOOPBACK,
    'AUTHCORE_CLIENT_METADATA_ALLOW_LOOPBACK',
  );
  if (loopback && !documents)
    fail('AUTHCORE_CLIENT_METADATA_ALLOW_LOOPBACK needs AUTHCORE_CLIENT_METADATA_DOCUMENTS=1');
  if (!registration && !documents) return {};
  const audience = env.AUTHCORE_AUDIENCE
    ? [env.AUTHCORE_AUDIENCE]
    : [...new Set(clients.flatMap((c) => [c.audience ?? []].flat()))];
  return {
    ...(registration && { registration: { policy: 'open' as const } }),
    ...(documents && { clientMetadataDocuments: { allowLoopback: loopback } }),
    dynamicClients: {
      audience: audience.length > 0 ? audience : ['https://api.test'],
      scopes: [...new Set(clients.flatMap((c) => c.scopes ?? []))],
    },
  };
}
