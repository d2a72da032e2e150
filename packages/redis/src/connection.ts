import { createHash } from 'node:crypto';
import {
  type ChainableCommander,
  Cluster,
  type ClusterNode,
  type ClusterOptions,
  Redis,
  type RedisOptions,
} from 'ioredis';

/** An ioredis client: one server (`Redis`) or a Redis Cluster (`Cluster`). */
export type RedisClient = Redis | Cluster;

/**
 * What a store is given to reach Redis: your ioredis client or Cluster, or a URL / options to
 * open a client of its own.
 */
export type RedisInput = RedisClient | string | RedisOptions;

export interface RedisStoreOptions {
  /**
   * Your ioredis client or `Cluster` (you close it; see `createRedisCluster`), or a `redis://`
   * URL or ioredis options: the store then opens its own client with the timeouts below and
   * closes it in `close()`.
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
  /** Redis could not answer (not a malformed record): the issuer answers 503, not 500. */
  readonly unavailable: boolean;
  constructor(
    message: string,
    readonly code: 'timeout' | 'unavailable' | 'format',
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.unavailable = code !== 'format';
  }
}

const noop = () => {};

const backoff = (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2_000);

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
    retryStrategy: backoff,
  };
  const client =
    typeof input === 'string' ? new Redis(input, settings) : new Redis({ ...settings, ...input });
  client.on('error', options.onError ?? noop);
  return client;
}

/**
 * Opens an ioredis `Cluster` with the settings the stores are designed for (as
 * `createRedisClient`, on every node) and an `error` listener. `nodes` is a list of nodes or a
 * comma-separated `host:port,host:port` string; a few are enough, the rest are discovered. The
 * stores share it as is: close it yourself (`quit()`).
 */
export function createRedisCluster(
  nodes: readonly ClusterNode[] | string,
  options: {
    timeoutMs?: number;
    connectTimeoutMs?: number;
    onError?: (error: unknown) => void;
    /** More ioredis Cluster options (`redisOptions` for password, TLS…). */
    cluster?: ClusterOptions;
  } = {},
): Cluster {
  const list =
    typeof nodes === 'string'
      ? nodes
          .split(',')
          .map((n) => n.trim())
          .filter(Boolean)
      : [...nodes];
  if (list.length === 0) throw new TypeError('@authcore/redis: a cluster needs at least one node');
  const connectTimeout = options.connectTimeoutMs ?? 2_000;
  const client = new Cluster(list, {
    clusterRetryStrategy: backoff,
    slotsRefreshTimeout: connectTimeout,
    ...options.cluster,
    redisOptions: {
      connectTimeout,
      commandTimeout: options.timeoutMs ?? 1_000,
      maxRetriesPerRequest: 1,
      ...options.cluster?.redisOptions,
    },
  });
  client.on('error', options.onError ?? noop);
  return client;
}

/** What a subscription tells its owner. */
export interface SubscriptionHandlers {
  message(payload: string): void;
  /** Subscribed (again): messages sent while it was down are lost. */
  up(): void;
  /** No longer subscribed: messages may be missed from now on. */
  down(): void;
}

/** One Redis client plus what every store shares: key prefix, per-operation deadline, errors. */
export class Connection {
  readonly client: RedisClient;
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

  /** Whether the client is a Redis Cluster. */
  get cluster(): boolean {
    return this.client.isCluster;
  }

  /**
   * Subscribes to `channel` on a connection of its own (a subscribed connection can run nothing
   * else), telling `on` when it is subscribed and when not. On one server the connection
   * reconnects by itself. On a Cluster, classic PUBLISH reaches every node, so the subscription
   * sits on any one node and moves to another when that one is lost — through this method
   * rather than ioredis's own Cluster subscriber, which moves silently and would hide the gap.
   */
  subscribe(channel: string, on: SubscriptionHandlers): { close(): Promise<void> } {
    let closed = false;
    let current: Redis | undefined;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let attempts = 0;
    const settings = {
      connectTimeout: this.#connectTimeoutMs,
      // A subscriber waits for messages: no command timeout on it.
      commandTimeout: undefined,
      maxRetriesPerRequest: null,
    };
    const attach = (sub: Redis) => {
      current = sub;
      sub.on('error', (error) => this.onError(error));
      sub.on('message', (from: string, payload: string) => {
        if (from === channel) on.message(payload);
      });
      // ioredis subscribes again after a reconnection, but messages sent meanwhile are lost:
      // the owner is told `up` each time it is subscribed.
      sub.on('ready', () => {
        if (closed) return;
        sub.subscribe(channel).then(
          () => {
            attempts = 0;
            if (!closed && current === sub) on.up();
          },
          (error: unknown) => this.onError(error),
        );
      });
      sub.on('close', () => on.down());
      sub.on('end', () => on.down());
    };
    const client = this.client;
    if (!client.isCluster) attach((client as Redis).duplicate(settings));
    else {
      const cluster = client as Cluster;
      const next = () => {
        timer = undefined;
        if (closed) return;
        const nodes = cluster.nodes('all');
        if (nodes.length === 0) {
          timer = setTimeout(next, backoff(attempts++));
          return;
        }
        const node = nodes[Math.floor(Math.random() * nodes.length)]!;
        const sub = node.duplicate({
          ...settings,
          lazyConnect: false,
          readOnly: false,
          // Not back to the same node: the next attempt picks any node the cluster knows.
          retryStrategy: () => null,
        });
        attach(sub);
        sub.once('end', () => {
          if (!closed && current === sub) timer = setTimeout(next, backoff(attempts++));
        });
      };
      next();
    }
    return {
      close: async () => {
        closed = true;
        clearTimeout(timer);
        if (current) await quit(current);
      },
    };
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
      if (cause instanceof RedisStoreError) {
        this.#timedOut();
        throw cause;
      }
      if (/timed out/i.test(message(cause))) this.#timedOut();
      throw new RedisStoreError(`${what}: ${message(cause)}`, 'unavailable', { cause });
    } finally {
      clearTimeout(timer);
    }
  }

  #slotsRefreshedAt = 0;
  /**
   * A Cluster node that stops answering without closing its connections (a partition, a frozen
   * host) gives ioredis no reason to re-read the slot map: after a replica took over its slots,
   * every command would still go to it and time out. So a timeout asks for the map again (at
   * most once per `timeoutMs`); until the failover it is unchanged.
   */
  #timedOut(): void {
    if (!this.client.isCluster) return;
    const now = Date.now();
    if (now - this.#slotsRefreshedAt < this.timeoutMs) return;
    this.#slotsRefreshedAt = now;
    (this.client as Cluster).refreshSlotsCache(noop);
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

  /**
   * Runs groups of commands and returns every reply in order, throwing the first error. On one
   * server that is one pipeline; on a Cluster one pipeline per group, since a pipeline must stay
   * within one slot (each group touches one key or keys of one hash tag).
   */
  async batch(groups: readonly ((pipeline: ChainableCommander) => void)[]): Promise<unknown[]> {
    if (groups.length === 0) return [];
    if (!this.client.isCluster) {
      const pipeline = this.client.pipeline();
      for (const add of groups) add(pipeline);
      return execAll(pipeline);
    }
    const replies = await Promise.all(
      groups.map((add) => {
        const pipeline = this.client.pipeline();
        add(pipeline);
        return execAll(pipeline);
      }),
    );
    return replies.flat();
  }

  /** Closes the client if the store opened it. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#owned) await quit(this.client);
  }
}

/** QUIT, or a hard disconnect when Redis does not answer. Never rejects. */
export async function quit(client: RedisClient): Promise<void> {
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

/** An ioredis client or Cluster (duck-typed: the user's copy of ioredis may not be ours). */
export function isClient(value: unknown): value is RedisClient {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Redis).duplicate === 'function' &&
    typeof (value as Redis).evalsha === 'function'
  );
}
