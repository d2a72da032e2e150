import { RateLimiterMemory, RateLimiterRes } from 'rate-limiter-flexible';

export interface LoginLimitOptions {
  /** Failed sign-ins one client address may make per window. */
  perAddress: number;
  /** Failed sign-ins for one username per window, from all addresses together. */
  perUser: number;
  windowSeconds: number;
}

export const LOGIN_LIMITS: LoginLimitOptions = { perAddress: 10, perUser: 20, windowSeconds: 900 };

/** Usernames compare case-insensitively; a long one is cut so it can't grow a key. */
const userKey = (username: string) => username.normalize('NFKC').toLowerCase().slice(0, 64);

export type LoginAttempt =
  | { ok: true; succeeded(): Promise<void> }
  | { ok: false; retryAfterSeconds: number };

/**
 * Password guessing limits (rate-limiter-flexible, in memory): per client address and per
 * username. An attempt takes a point from both *before* the password is checked, so parallel
 * guesses can't slip past the count, and a correct password gives them back: what is counted
 * is failures. Over either limit every attempt is refused, the right password too, until the
 * window ends. Keys stay bounded: a username is counted only once its address had a point left.
 */
export class LoginLimiter {
  readonly #byAddress: RateLimiterMemory;
  readonly #byUser: RateLimiterMemory;

  constructor(options: LoginLimitOptions = LOGIN_LIMITS) {
    const duration = options.windowSeconds;
    this.#byAddress = new RateLimiterMemory({
      keyPrefix: 'addr',
      points: options.perAddress,
      duration,
    });
    this.#byUser = new RateLimiterMemory({ keyPrefix: 'user', points: options.perUser, duration });
  }

  async begin(address: string, username: string): Promise<LoginAttempt> {
    const user = userKey(username);
    const refused = await take(this.#byAddress, address);
    if (refused) return refused;
    const userRefused = await take(this.#byUser, user);
    if (userRefused) {
      // The user is locked: that attempt is not this address's failure.
      await this.#byAddress.reward(address, 1);
      return userRefused;
    }
    return {
      ok: true,
      succeeded: async () => {
        await Promise.all([this.#byAddress.reward(address, 1), this.#byUser.reward(user, 1)]);
      },
    };
  }
}

async function take(
  limiter: RateLimiterMemory,
  key: string,
): Promise<{ ok: false; retryAfterSeconds: number } | undefined> {
  try {
    await limiter.consume(key, 1);
    return undefined;
  } catch (error) {
    if (!(error instanceof RateLimiterRes)) throw error;
    return { ok: false, retryAfterSeconds: Math.max(1, Math.ceil(error.msBeforeNext / 1000)) };
  }
}
