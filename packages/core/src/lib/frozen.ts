// Values a principal hands to user code. Caches give one principal to many requests, so nothing
// in it may be changeable: a handler that adds `admin` to its scopes must not grant it to the
// next request with the same credential.

const readOnly = (what: string) => () => {
  throw new TypeError(`authcore: ${what} are read-only`);
};

const noChange = (what: string) => ({
  add: { value: readOnly(what) },
  delete: { value: readOnly(what) },
  clear: { value: readOnly(what) },
});
const noScopeChange = noChange('scopes');
const noRoleChange = noChange('roles');

/**
 * A plain, frozen `Set` whose own `add`, `delete` and `clear` throw: `has`, iteration and the
 * ES2025 set methods stay the native ones (so `has` is a plain `Set` lookup), and it still equals
 * (`toEqual`) and is (`instanceof`) a `Set`.
 */
export const readonlyScopes = (
  values: Iterable<string>,
  what: 'scopes' | 'roles' = 'scopes',
): ReadonlySet<string> =>
  Object.freeze(
    Object.defineProperties(new Set(values), what === 'roles' ? noRoleChange : noScopeChange),
  );

/** A `Date` whose setters throw. */
class ReadonlyDate extends Date {}
for (const name of Object.getOwnPropertyNames(Date.prototype)) {
  if (name.startsWith('set')) {
    Object.defineProperty(ReadonlyDate.prototype, name, { value: readOnly('dates') });
  }
}
Object.freeze(ReadonlyDate.prototype);

export const readonlyDate = (ms: number): Date => Object.freeze(new ReadonlyDate(ms));

const isPlain = (value: object) => {
  if (Array.isArray(value)) return true;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

/**
 * Freezes plain objects and arrays all the way down (what JSON and claims schemas give). Other
 * objects a schema may output (a `Map`, a class instance, a typed array, which cannot be frozen)
 * are left as they are.
 */
export function deepFreeze<T>(value: T, seen = new Set<object>()): T {
  if (typeof value !== 'object' || value === null || seen.has(value) || !isPlain(value))
    return value;
  seen.add(value);
  Object.freeze(value);
  for (const key of Object.keys(value)) deepFreeze((value as Record<string, unknown>)[key], seen);
  return value;
}
