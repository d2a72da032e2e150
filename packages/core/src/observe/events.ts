/** What a scheme reports about its own work (key fetches, caches, calls), for logs and metrics. */
export type SchemeEvent =
  | { readonly type: 'jwks_fetch'; readonly ok: boolean; readonly error?: unknown }
  | { readonly type: 'token_cache'; readonly scheme: string; readonly hit: boolean }
  | { readonly type: 'introspection'; readonly ok: boolean; readonly error?: unknown };

export type SchemeEventSink = (event: SchemeEvent) => void;

/** Where a scheme takes an authenticator's sink: `scheme[OBSERVE]?.(sink)`. */
export const OBSERVE: unique symbol = Symbol('authcore.observe');

/**
 * The sinks of one scheme. `active` is checked before building an event, so a scheme nobody
 * observes allocates nothing.
 */
export class EventHub {
  private sinks: SchemeEventSink[] = [];
  active = false;
  add(sink: SchemeEventSink): void {
    if (!this.sinks.includes(sink)) this.sinks.push(sink);
    this.active = true;
  }
  emit(event: SchemeEvent): void {
    for (const sink of this.sinks) {
      try {
        sink(event);
      } catch {}
    }
  }
}
