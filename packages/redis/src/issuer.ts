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
import { MAX_TRACKED_ACCESS_TOKENS } from '@authcore/issuer';
import {
  Connection,
  checkVersion,
  FORMAT_VERSION,
  type RedisStoreOptions,
  script,
  ttlUntil,
} from './connection.js';

// Codes: a hash per code hash with `v`, `rec` (JSON), `until` (after which it
// is unknown) and, once consumed, `usedAt`. Reading and marking happen in one script: exactly one
// caller, on any instance, sees it unused.
const CONSUME = script(`
local v = redis.call('HMGET', KEYS[1], 'v', 'rec', 'until', 'usedAt')
if not v[2] then return false end
if v[3] and tonumber(v[3]) <= tonumber(ARGV[1]) then return false end
if v[4] then return {v[1], v[2], v[4], 1} end
redis.call('HSET', KEYS[1], 'usedAt', ARGV[1])
return {v[1], v[2], ARGV[1], 0}`);

// Families: `<prefix>family:{id}`, one hash whatever the number of rotations: `v`, `rec` (the
// grant and its current token, JSON), `cur` (that token's hash), `curUsed`, `prev` / `prevUsed`
// (the token it replaced, for the reuse leeway), `until` (the family's end) and the `revoked`
// mark; `<prefix>family:{id}:at` holds tracked access tokens (jti -> expiry), at most
// MAX_TRACKED_ACCESS_TOKENS live ones. The braces keep both in one Redis Cluster slot. Their TTL
// only ever grows.
const EXTEND = `
local function extend(key, ttl)
  local current = redis.call('PTTL', key)
  if current == -1 or current < ttl then redis.call('PEXPIRE', key, ttl) end
end`;

// ARGV: ttl, version, rec, token hash, until, now.
const SAVE_FAMILY = script(`${EXTEND}
local cur = redis.call('HMGET', KEYS[1], 'cur', 'curUsed')
if cur[1] and cur[1] ~= ARGV[4] then
  redis.call('HSET', KEYS[1], 'prev', cur[1], 'prevUsed', cur[2] or ARGV[6])
end
redis.call('HSET', KEYS[1], 'v', ARGV[2], 'rec', ARGV[3], 'cur', ARGV[4], 'until', ARGV[5])
redis.call('HDEL', KEYS[1], 'curUsed')
extend(KEYS[1], tonumber(ARGV[1]))
return 1`);

// ARGV: token hash, now, mark (1 to consume). Reply: {v, rec, usedAt, alreadyUsed}.
const CONSUME_FAMILY = script(`
local v = redis.call('HMGET', KEYS[1], 'v', 'rec', 'until', 'cur', 'curUsed', 'prev', 'prevUsed')
if not v[2] then return false end
if tonumber(v[3]) <= tonumber(ARGV[2]) then return false end
if v[4] == ARGV[1] then
  if v[5] then return {v[1], v[2], v[5], 1} end
  if ARGV[3] == '1' then
    redis.call('HSET', KEYS[1], 'curUsed', ARGV[2])
    return {v[1], v[2], ARGV[2], 0}
  end
  return {v[1], v[2], '', 0}
end
if v[6] and v[6] == ARGV[1] then return {v[1], v[2], v[7] or '0', 1} end
return {v[1], v[2], '0', 1}`);

// ARGV: ttl, jti, expiry, now, version, bound. Reply: {0} when revoked, else {1, evicted...}.
const TRACK = script(`${EXTEND}
redis.call('HSETNX', KEYS[1], 'v', ARGV[5])
extend(KEYS[1], tonumber(ARGV[1]))
if redis.call('HEXISTS', KEYS[1], 'revoked') == 1 then return {0} end
redis.call('HSET', KEYS[2], ARGV[2], ARGV[3])
extend(KEYS[2], tonumber(ARGV[1]))
local tracked = redis.call('HGETALL', KEYS[2])
local live = {}
for i = 1, #tracked, 2 do
  if tonumber(tracked[i + 1]) <= tonumber(ARGV[4]) then
    redis.call('HDEL', KEYS[2], tracked[i])
  else
    table.insert(live, {tracked[i], tonumber(tracked[i + 1])})
  end
end
local out = {1}
local over = #live - tonumber(ARGV[6])
if over > 0 then
  table.sort(live, function(a, b) return a[2] < b[2] end)
  for i = 1, over do
    redis.call('HDEL', KEYS[2], live[i][1])
    table.insert(out, live[i][1])
    table.insert(out, tostring(live[i][2]))
  end
end
return out`);

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
 * Refresh-token families (`<prefix>family:{<id>}`, one hash per family however often it rotates,
 * kept until the family's `expiresAt`; `<prefix>family:{<id>}:at`, its tracked access tokens).
 * `consume` is one Lua script, so two instances racing on one refresh token give exactly one
 * success.
 *
 * Redis failing: `save`, `consume`, `find`, `trackAccessToken` and `revokeFamily` reject (the
 * issuer answers `server_error` and issues nothing); `isFamilyRevoked` answers `true` (refused).
 */
export class RedisRefreshTokenStore implements RefreshTokenStore {
  readonly #conn: Connection;

  constructor(options: RedisStoreOptions) {
    this.#conn = new Connection(options);
  }

  #family(familyId: string) {
    const base = this.#conn.key('family', `{${familyId}}`);
    return [base, `${base}:at`];
  }

  async save(record: RefreshTokenRecord): Promise<void> {
    const now = this.#conn.now();
    const ttl = ttlUntil(record.expiresAt, now);
    if (ttl === undefined) return;
    await this.#conn.run('refreshTokens.save', () =>
      this.#conn.script(
        SAVE_FAMILY,
        [this.#family(record.familyId)[0]!],
        [ttl, FORMAT_VERSION, JSON.stringify(record), record.tokenHash, record.expiresAt, now],
      ),
    );
  }

  async consume(
    familyId: string,
    tokenHash: string,
    now: number,
  ): Promise<Consumed<RefreshTokenRecord> | undefined> {
    const reply = await this.#conn.run('refreshTokens.consume', () =>
      this.#conn.script(CONSUME_FAMILY, [this.#family(familyId)[0]!], [tokenHash, now, 1]),
    );
    return consumed<RefreshTokenRecord>(reply, 'refresh token');
  }

  async find(
    familyId: string,
    tokenHash: string,
  ): Promise<{ record: RefreshTokenRecord; used: boolean } | undefined> {
    const reply = await this.#conn.run('refreshTokens.find', () =>
      this.#conn.script(
        CONSUME_FAMILY,
        [this.#family(familyId)[0]!],
        [tokenHash, this.#conn.now(), 0],
      ),
    );
    if (reply === null || reply === undefined) return undefined;
    const [v, rec, usedAt, already] = reply as Row;
    checkVersion(v, 'refresh token');
    return {
      record: JSON.parse(rec) as RefreshTokenRecord,
      used: Number(already) === 1 || usedAt !== '',
    };
  }

  async trackAccessToken(
    familyId: string,
    token: TrackedAccessToken,
    familyExpiresAt: number,
  ): Promise<TrackedAccessToken[] | false> {
    const now = this.#conn.now();
    const ttl = ttlUntil(Math.max(familyExpiresAt, token.expiresAt), now) ?? 1_000;
    const reply = (await this.#conn.run('refreshTokens.trackAccessToken', () =>
      this.#conn.script(TRACK, this.#family(familyId), [
        ttl,
        token.jti,
        token.expiresAt,
        now,
        FORMAT_VERSION,
        MAX_TRACKED_ACCESS_TOKENS,
      ]),
    )) as (string | number)[];
    if (Number(reply[0]) !== 1) return false;
    const evicted: TrackedAccessToken[] = [];
    for (let i = 1; i + 1 < reply.length; i += 2)
      evicted.push({ jti: String(reply[i]), expiresAt: Number(reply[i + 1]) });
    return evicted;
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
