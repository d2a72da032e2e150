import type {
  ClientRecord,
  CodeRecord,
  CodeStore,
  Consumed,
  RefreshTokenRecord,
  RefreshTokenStore,
  RegisteredClientStore,
  TrackedAccessToken,
} from '@authcore/issuer';
import {
  Connection,
  checkVersion,
  FORMAT_VERSION,
  type RedisStoreOptions,
  script,
  ttlUntil,
} from './connection.js';

// Codes and refresh tokens: a hash per value hash with `v`, `rec` (JSON), `until` (after which it
// is unknown) and, once consumed, `usedAt`. Reading and marking happen in one script: exactly one
// caller, on any instance, sees it unused.
const CONSUME = script(`
local v = redis.call('HMGET', KEYS[1], 'v', 'rec', 'until', 'usedAt')
if not v[2] then return false end
if v[3] and tonumber(v[3]) <= tonumber(ARGV[1]) then return false end
if v[4] then return {v[1], v[2], v[4], 1} end
redis.call('HSET', KEYS[1], 'usedAt', ARGV[1])
return {v[1], v[2], ARGV[1], 0}`);

const FIND = script(`
local v = redis.call('HMGET', KEYS[1], 'v', 'rec', 'until', 'usedAt')
if not v[2] then return false end
if v[3] and tonumber(v[3]) <= tonumber(ARGV[1]) then return false end
return {v[1], v[2], v[4] or '', 0}`);

// Families: `<prefix>family:{id}` (format, revoked mark) and `<prefix>family:{id}:at` (tracked
// access tokens, jti -> expiry). The braces keep both in one Redis Cluster slot. Their TTL only
// ever grows.
const EXTEND = `
local function extend(key, ttl)
  local current = redis.call('PTTL', key)
  if current == -1 or current < ttl then redis.call('PEXPIRE', key, ttl) end
end`;

const TOUCH_FAMILY = script(`${EXTEND}
redis.call('HSETNX', KEYS[1], 'v', ARGV[2])
extend(KEYS[1], tonumber(ARGV[1]))
return 1`);

const TRACK = script(`${EXTEND}
redis.call('HSETNX', KEYS[1], 'v', ARGV[5])
extend(KEYS[1], tonumber(ARGV[1]))
if redis.call('HEXISTS', KEYS[1], 'revoked') == 1 then return 0 end
local tracked = redis.call('HGETALL', KEYS[2])
for i = 1, #tracked, 2 do
  if tonumber(tracked[i + 1]) <= tonumber(ARGV[4]) then redis.call('HDEL', KEYS[2], tracked[i]) end
end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
extend(KEYS[2], tonumber(ARGV[1]))
return 1`);

const REVOKE_FAMILY = script(`${EXTEND}
redis.call('HSET', KEYS[1], 'v', ARGV[3], 'revoked', ARGV[2])
extend(KEYS[1], tonumber(ARGV[1]))
local tracked = redis.call('HGETALL', KEYS[2])
redis.call('DEL', KEYS[2])
return tracked`);

type Row = [string | null, string, string, number];

function consumed<R>(reply: unknown, what: string): Consumed<R> | undefined {
  if (reply === null || reply === undefined) return undefined;
  const [v, rec, usedAt, already] = reply as Row;
  checkVersion(v, what);
  return {
    record: JSON.parse(rec) as R,
    alreadyUsed: Number(already) === 1,
    usedAt: Number(usedAt),
  };
}

/**
 * Authorization codes (`<prefix>code:<code hash>`), kept until `retainUntil`. `consume` is one
 * Lua script: exactly one concurrent caller, on any instance, sees `alreadyUsed: false`.
 *
 * Redis failing: `save` and `consume` reject (the issuer answers `server_error`; no token is
 * issued and the code is not burnt).
 */
export class RedisCodeStore implements CodeStore {
  readonly #conn: Connection;

  constructor(options: RedisStoreOptions) {
    this.#conn = new Connection(options);
  }

  #key(codeHash: string) {
    return this.#conn.key('code', codeHash);
  }

  async save(record: CodeRecord): Promise<void> {
    const ttl = ttlUntil(record.retainUntil, this.#conn.now());
    if (ttl === undefined) return;
    const key = this.#key(record.codeHash);
    await this.#conn.run('codes.save', () =>
      this.#conn.client
        .multi()
        .del(key)
        .hset(key, 'v', FORMAT_VERSION, 'rec', JSON.stringify(record), 'until', record.retainUntil)
        .pexpire(key, ttl)
        .exec(),
    );
  }

  async consume(codeHash: string, now: number): Promise<Consumed<CodeRecord> | undefined> {
    const reply = await this.#conn.run('codes.consume', () =>
      this.#conn.script(CONSUME, [this.#key(codeHash)], [now]),
    );
    return consumed<CodeRecord>(reply, 'authorization code');
  }

  close(): Promise<void> {
    return this.#conn.close();
  }
}

/**
 * Refresh tokens (`<prefix>refresh:<token hash>`, until the family's `expiresAt`) and their
 * families (`<prefix>family:{<id>}`, `<prefix>family:{<id>}:at`). `consume` is atomic as for
 * codes, so two instances racing on one refresh token give exactly one success.
 *
 * Redis failing: `save`, `consume`, `find`, `trackAccessToken` and `revokeFamily` reject (the
 * issuer answers `server_error` and issues nothing); `isFamilyRevoked` answers `true` (refused).
 */
export class RedisRefreshTokenStore implements RefreshTokenStore {
  readonly #conn: Connection;

  constructor(options: RedisStoreOptions) {
    this.#conn = new Connection(options);
  }

  #key(tokenHash: string) {
    return this.#conn.key('refresh', tokenHash);
  }

  #family(familyId: string) {
    const base = this.#conn.key('family', `{${familyId}}`);
    return [base, `${base}:at`];
  }

  async save(record: RefreshTokenRecord): Promise<void> {
    const ttl = ttlUntil(record.expiresAt, this.#conn.now());
    if (ttl === undefined) return;
    const key = this.#key(record.tokenHash);
    await this.#conn.run('refreshTokens.save', async () => {
      await this.#conn.client
        .multi()
        .del(key)
        .hset(key, 'v', FORMAT_VERSION, 'rec', JSON.stringify(record), 'until', record.expiresAt)
        .pexpire(key, ttl)
        .exec();
      await this.#conn.script(
        TOUCH_FAMILY,
        [this.#family(record.familyId)[0]!],
        [ttl, FORMAT_VERSION],
      );
    });
  }

  async consume(tokenHash: string, now: number): Promise<Consumed<RefreshTokenRecord> | undefined> {
    const reply = await this.#conn.run('refreshTokens.consume', () =>
      this.#conn.script(CONSUME, [this.#key(tokenHash)], [now]),
    );
    return consumed<RefreshTokenRecord>(reply, 'refresh token');
  }

  async find(
    tokenHash: string,
  ): Promise<{ record: RefreshTokenRecord; used: boolean } | undefined> {
    const reply = await this.#conn.run('refreshTokens.find', () =>
      this.#conn.script(FIND, [this.#key(tokenHash)], [this.#conn.now()]),
    );
    if (reply === null || reply === undefined) return undefined;
    const [v, rec, usedAt] = reply as Row;
    checkVersion(v, 'refresh token');
    return { record: JSON.parse(rec) as RefreshTokenRecord, used: usedAt !== '' };
  }

  async trackAccessToken(
    familyId: string,
    token: TrackedAccessToken,
    familyExpiresAt: number,
  ): Promise<boolean> {
    const now = this.#conn.now();
    const ttl = ttlUntil(Math.max(familyExpiresAt, token.expiresAt), now) ?? 1_000;
    const reply = await this.#conn.run('refreshTokens.trackAccessToken', () =>
      this.#conn.script(TRACK, this.#family(familyId), [
        ttl,
        token.jti,
        token.expiresAt,
        now,
        FORMAT_VERSION,
      ]),
    );
    return Number(reply) === 1;
  }

  async revokeFamily(familyId: string, until: number): Promise<TrackedAccessToken[]> {
    const now = this.#conn.now();
    const ttl = ttlUntil(until, now) ?? 1_000;
    const reply = (await this.#conn.run('refreshTokens.revokeFamily', () =>
      this.#conn.script(REVOKE_FAMILY, this.#family(familyId), [ttl, now, FORMAT_VERSION]),
    )) as string[];
    const out: TrackedAccessToken[] = [];
    for (let i = 0; i + 1 < reply.length; i += 2)
      out.push({ jti: reply[i]!, expiresAt: Number(reply[i + 1]) });
    return out;
  }

  async isFamilyRevoked(familyId: string): Promise<boolean> {
    try {
      const [key] = this.#family(familyId);
      const revoked = await this.#conn.run('refreshTokens.isFamilyRevoked', () =>
        this.#conn.client.hexists(key!, 'revoked'),
      );
      return revoked === 1;
    } catch (error) {
      this.#conn.onError(error);
      return true;
    }
  }

  close(): Promise<void> {
    return this.#conn.close();
  }
}

// Registered clients are counted in `<prefix>clients:registered`, a sorted set of client ids by
// expiry (epoch ms, `+inf` for none): one key, so the quota check and the add are one script.
const RESERVE = script(`
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
if redis.call('ZSCORE', KEYS[1], ARGV[2]) then return 0 end
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[3]) then return 0 end
redis.call('ZADD', KEYS[1], ARGV[4], ARGV[2])
return 1`);

export interface RedisClientStoreOptions extends RedisStoreOptions {
  /** Most registered clients (RFC 7591) held at once; `register` past it answers `false`. Default 10000. */
  maxClients?: number;
}

/**
 * Clients (`<prefix>client:<client id>`, JSON with `v: 1`): the issuer's `registration.store`
 * for clients that register themselves, shared by every issuer instance, and a place for
 * clients managed at run time (`put`). A registered client's key expires with its registration
 * (`expiresAt`, the secret's `client_secret_expires_at`). Hash secrets with the issuer's
 * `hashSecret` before `put`.
 *
 * Redis failing: every method rejects (the issuer answers `server_error`; nobody registers).
 */
export class RedisClientStore implements RegisteredClientStore {
  readonly #conn: Connection;
  readonly #max: number;

  constructor(options: RedisClientStoreOptions) {
    this.#conn = new Connection(options);
    this.#max = options.maxClients ?? 10_000;
    if (!Number.isInteger(this.#max) || this.#max < 1)
      throw new TypeError('RedisClientStore: `maxClients` must be a positive integer');
  }

  #key(clientId: string) {
    return this.#conn.key('client', clientId);
  }

  get #index() {
    return this.#conn.key('clients', 'registered');
  }

  async get(clientId: string): Promise<ClientRecord | undefined> {
    const raw = await this.#conn.run('clients.get', () =>
      this.#conn.client.get(this.#key(clientId)),
    );
    if (raw === null) return undefined;
    const { v, record } = JSON.parse(raw) as { v: unknown; record: ClientRecord };
    checkVersion(String(v), 'client');
    return record;
  }

  /** Adds or replaces a client (not counted against `maxClients`). */
  async put(record: ClientRecord): Promise<void> {
    if (typeof record?.clientId !== 'string' || record.clientId === '')
      throw new TypeError('RedisClientStore: a record needs a clientId');
    const value = JSON.stringify({ v: Number(FORMAT_VERSION), record });
    await this.#conn.run('clients.put', () =>
      this.#conn.client.set(this.#key(record.clientId), value),
    );
  }

  /** Adds a registered client unless the store is full or the id is taken. */
  async register(record: ClientRecord): Promise<boolean> {
    if (typeof record?.clientId !== 'string' || record.clientId === '')
      throw new TypeError('RedisClientStore: a record needs a clientId');
    const now = this.#conn.now();
    let ttl: number | undefined;
    if (record.expiresAt !== undefined) {
      ttl = ttlUntil(record.expiresAt, now);
      if (ttl === undefined) return false;
    }
    const score = record.expiresAt === undefined ? '+inf' : record.expiresAt;
    const reserved = await this.#conn.run('clients.register', () =>
      this.#conn.script(RESERVE, [this.#index], [now, record.clientId, this.#max, score]),
    );
    if (Number(reserved) !== 1) return false;
    const key = this.#key(record.clientId);
    const value = JSON.stringify({ v: Number(FORMAT_VERSION), record });
    try {
      const set = await this.#conn.run('clients.register', () =>
        ttl === undefined
          ? this.#conn.client.set(key, value, 'NX')
          : this.#conn.client.set(key, value, 'PX', ttl, 'NX'),
      );
      if (set === null) {
        await this.#conn.run('clients.register', () =>
          this.#conn.client.zrem(this.#index, record.clientId),
        );
        return false;
      }
      return true;
    } catch (error) {
      // Give the place back; if Redis is gone, it expires with the registration or stays counted.
      await this.#conn.client.zrem(this.#index, record.clientId).catch(() => undefined);
      throw error;
    }
  }

  /** `false` when there was no such client. */
  async remove(clientId: string): Promise<boolean> {
    const [deleted] = (await this.#conn.run('clients.remove', () =>
      Promise.all([
        this.#conn.client.del(this.#key(clientId)),
        this.#conn.client.zrem(this.#index, clientId),
      ]),
    )) as [number, number];
    return deleted === 1;
  }

  close(): Promise<void> {
    return this.#conn.close();
  }
}
