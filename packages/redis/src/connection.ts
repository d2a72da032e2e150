import { createHash } from 'node:crypto';
import { type ChainableCommander, Redis, type RedisOptions } from 'ioredis';

/** What a store is given to reach Redis: your ioredis client, or a URL / options to open one. */
export type RedisInput = Redis | string | RedisOptions;

export interface RedisStoreOptions {
  /**
   * Your ioredis client (you close it), or a `redis://` URL or ioredis options: the store then
   * opens its own client with the timeouts below and closes it in `close()`.
   */
  redis: RedisInput;
  /** Prepended to every key and channel. Default `authcore:`. */
  prefix?: string;
  /**
   * Longest wait for one store operation, in ms, whatever the client's own settings: past it the
   * operation fails as if Redis were down (see the README's failure table). Default 1000.
   */
  timeoutMs?: number;
  /** Connect timeout in ms for a client the store opens itself. Default 2000. */
  connectTimeoutMs?: number;
  /**
   * Told about every Redis failure the store absorbs (an answer served from cache, a refused
   * proof, a lost usage batch) and about client `error` events. Default: ignored.
   */
  onError?: (error: unknown) => void;
  /** Clock in epoch ms, used to turn the interfaces' absolute deadlines into key TTLs. */
  now?: () => number;
}

/** A store operation failed because Redis could not be reached in time or answered an error. */
export class RedisStoreError extends Error {
  override readonly name = 'RedisStoreError';
  constructor(
    message: string,
    readonly code: 'timeout' | 'unavailable' | 'format',
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

const noop = () => {};

/**
 * Opens an ioredis client with the settings the stores are designed for: connect timeout, command
 * timeout, one retry per command, reconnection with a capped backoff, and an `error` listener so
 * that a lost connection is never an unhandled `error` event.
 */
export function createRedisClient(
  input: string | RedisOptions,
  options: {
    timeoutMs?: number;
    connectTimeoutMs?: number;
    onError?: (error: unknown) => void;
  } = {},
): Redis {
  const settings: RedisOptions = {
    connectTimeout: options.connectTimeoutMs ?? 2_000,
    commandTimeout: options.timeoutMs ?? 1_000,
    maxRetriesPerRequest: 1,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2_000),
  };
  const client =
    typeof input === 'string' ? new Redis(input, settings) : new Redis({ ...settings, ...input });
  client.on('error', options.onError ?? noop);
  return client;
}

/** One Redis client plus what every store shares: key prefix, per-operation deadline, errors. */
export class Connection {
  readonly client: Redis;
  readonly prefix: string;
  readonly timeoutMs: number;
  readonly onError: (error: unknown) => void;
  readonly now: () => number;
  readonly #owned: boolean;
  readonly #connectTimeoutMs: number;
  #closed = false;

  constructor(options: RedisStoreOptions) {
    if (!options || options.redis === undefined || options.redis === null)
      throw new TypeError('@authcore/redis: `redis` (an ioredis client or a URL) is required');
    this.prefix = options.prefix ?? 'authcore:';
    if (typeof this.prefix !== 'string') throw new TypeError('@authcore/redis: invalid `prefix`');
    this.timeoutMs = options.timeoutMs ?? 1_000;
    if (!(this.timeoutMs > 0)) throw new TypeError('@authcore/redis: `timeoutMs` must be > 0');
    this.#connectTimeoutMs = options.connectTimeoutMs ?? 2_000;
    this.onError = options.onError ?? noop;
    this.now = options.now ?? Date.now;
    if (isClient(options.redis)) {
      this.client = options.redis;
      this.#owned = false;
    } else {
      this.client = createRedisClient(options.redis as string | RedisOptions, {
        timeoutMs: this.timeoutMs,
        connectTimeoutMs: this.#connectTimeoutMs,
        onError: (error) => this.onError(error),
      });
      this.#owned = true;
    }
  }

  key(...parts: string[]): string {
    return this.prefix + parts.join(':');
  }

  /** A second connection for pub/sub (a subscribed connection can run nothing else). */
  subscriber(): Redis {
    const sub = this.client.duplicate({
      connectTimeout: this.#connectTimeoutMs,
      // A subscriber waits for messages: no command timeout on it.
      commandTimeout: undefined,
      maxRetriesPerRequest: null,
    });
    sub.on('error', (error) => this.onError(error));
    return sub;
  }

  /** Runs `work` with the store's deadline; any failure becomes a `RedisStoreError`. */
  async run<T>(what: string, work: () => Promise<T>): Promise<T> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let pending: Promise<T>;
    try {
      pending = work();
    } catch (cause) {
      throw new RedisStoreError(`${what}: ${message(cause)}`, 'unavailable', { cause });
    }
    // Whichever loses the race must not become an unhandled rejection.
    pending.catch(noop);
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(new RedisStoreError(`${what}: no answer within ${this.timeoutMs} ms`, 'timeout')),
        this.timeoutMs,
      );
    });
    try {
      return await Promise.race([pending, deadline]);
    } catch (cause) {
      if (cause instanceof RedisStoreError) throw cause;
      throw new RedisStoreError(`${what}: ${message(cause)}`, 'unavailable', { cause });
    } finally {
      clearTimeout(timer);
    }
  }

  /** EVALSHA, falling back to EVAL when the server does not have the script (restart, failover). */
  async script(source: Script, keys: string[], args: (string | number)[]): Promise<unknown> {
    try {
      return await this.client.evalsha(source.sha, keys.length, ...keys, ...args);
    } catch (error) {
      if (!message(error).includes('NOSCRIPT')) throw error;
      return await this.client.eval(source.source, keys.length, ...keys, ...args);
    }
  }

  /** Closes the client if the store opened it. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#owned) await quit(this.client);
  }
}

/** QUIT, or a hard disconnect when Redis does not answer. Never rejects. */
export async function quit(client: Redis): Promise<void> {
  if (client.status === 'end') return;
  try {
    if (client.status !== 'ready') throw new Error('not ready');
    await Promise.race([
      client.quit(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('quit timeout')), 500).unref()),
    ]);
  } catch {
    client.disconnect();
  }
}

export interface Script {
  source: string;
  sha: string;
}

export const script = (source: string): Script => ({
  source,
  sha: createHash('sha1').update(source).digest('hex'),
});

/** Runs a pipeline and returns its replies, throwing the first command's error if any failed. */
export async function execAll(pipeline: ChainableCommander): Promise<unknown[]> {
  const replies = (await pipeline.exec()) ?? [];
  const failed = replies.find(([error]) => error);
  if (failed) throw failed[0];
  return replies.map(([, value]) => value);
}

export const message = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** A TTL in ms until `until`, or `undefined` when that is already past. */
export const ttlUntil = (until: number, now: number): number | undefined => {
  const ttl = Math.ceil(until - now);
  return Number.isFinite(ttl) && ttl > 0 ? ttl : undefined;
};

/** The version every stored value carries; a reader refuses any other. */
export const FORMAT_VERSION = '1';

export function checkVersion(v: unknown, what: string): void {
  if (v !== FORMAT_VERSION)
    throw new RedisStoreError(`${what}: unsupported stored format version ${String(v)}`, 'format');
}

/** An ioredis client (duck-typed: the user's copy of ioredis may not be ours). */
export function isClient(value: unknown): value is Redis {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Redis).duplicate === 'function' &&
    typeof (value as Redis).evalsha === 'function'
  );
}
