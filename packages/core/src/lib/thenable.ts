/** A value or a promise of it: schemes, stores and hooks answer at once when they can. */
export type MaybePromise<T> = T | Promise<T>;

export const isThenable = <T>(value: MaybePromise<T>): value is Promise<T> =>
  typeof (value as { then?: unknown } | null | undefined)?.then === 'function';
