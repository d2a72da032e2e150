// Values a principal hands to user code. Caches give one principal to many requests, so nothing
// in it may be changeable: a handler that adds `admin` to its scopes must not grant it to the
// next request with the same credential.

const readOnly = (what: string) => () => {
  throw new TypeError(`authcore: ${what} are read-only`);
};

// A read-only set: a `Set` subclass whose `add`, `delete` and `clear` throw, filled through
// `Set.prototype.add` in its constructor, and whose `constructor` still reads `Set` (equality
// checks such as `toEqual` compare it). A class rather than `Object.setPrototypeOf` on a fresh
// set: one is built per verified token, and changing a live object's prototype is slow.
const readonlySetClass = (what: string) => {
  class ReadonlyStringSet extends Set<string> {
    constructor(values: Iterable<string>) {
      super();
      for (const v of values) super.add(v);
    }
  }
  Object.defineProperties(ReadonlyStringSet.prototype, {
    constructor: { value: Set },
    add: { value: readOnly(what) },
    delete: { value: readOnly(what) },
    clear: { value: readOnly(what) },
  });
  Object.freeze(ReadonlyStringSet.prototype);
  return ReadonlyStringSet;
};
const READONLY_SET = { scopes: readonlySetClass('scopes'), roles: readonlySetClass('roles') };

/**
 * A frozen `Set` whose `add`, `delete` and `clear` throw: `has`, iteration and the ES2025 set
 * methods are the native ones (so `has` is a plain `Set` lookup), `instanceof Set` holds, and it
 * equals a `Set` of the same values.
 */
export const readonlyScopes = (
  values: Iterable<string>,
  what: 'scopes' | 'roles' = 'scopes',
): ReadonlySet<string> => Object.freeze(new READONLY_SET[what](values));

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
 * are left as they are, and one already frozen is taken as frozen all the way down.
 */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value) || !isPlain(value))
    return value;
  // Frozen before its children are visited, so a cycle ends here.
  Object.freeze(value);
  for (const key in value) deepFreeze(value[key]);
  return value;
}
