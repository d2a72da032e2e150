import { API_KEY_PATTERN, parseApiKey } from '@authcore/core';

/** What no log line may hold: a credential, a key or a secret, however it got there. */
const PATTERNS: ReadonlyArray<readonly [name: string, pattern: RegExp]> = [
  // A compact JWS or JWE: base64url segments, the first a JSON header (`{"` is `eyJ`).
  ['JWT', /\beyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*\.[A-Za-z0-9_-]*/g],
  ['PEM', /-----BEGIN [A-Z ]*-----/g],
  // The private members of a JWK (RFC 7518 §6.2.2, §6.3.2): `d` and the RSA CRT values.
  ['private JWK member', /["']?\b(?:d|p|q|dp|dq|qi)["']?\s*[:=]\s*["'][A-Za-z0-9_-]{16,}/g],
  // What the issuer hands out (codes, refresh tokens, client secrets) in JSON, a form or a URL.
  [
    'secret field',
    /["']?\b(?:code|code_verifier|refresh_token|access_token|id_token|client_secret|registration_access_token|password|secret)["']?\s*[:=]\s*["']?([A-Za-z0-9_~.+/-]{16,})/g,
  ],
];

export interface Finding {
  readonly kind: string;
  /** Where the match starts in the line and how long it is: never the secret itself. */
  readonly at: number;
  readonly length: number;
}

/** The credentials, keys and secrets a log line holds (none: `[]`). */
export function findSecrets(line: string): Finding[] {
  const found: Finding[] = [];
  for (const [kind, pattern] of PATTERNS) {
    for (const m of line.matchAll(pattern)) {
      // `"code":"temporarily_unavailable"` is an error code: a secret is random, never snake_case.
      if (m[1] !== undefined && /^[a-z_]+$/.test(m[1])) continue;
      found.push({ kind, at: m.index, length: m[0].length });
    }
  }
  // API keys carry a checksum: a match that fails it is some other word.
  for (const m of line.matchAll(new RegExp(API_KEY_PATTERN.source, 'g'))) {
    if (parseApiKey(m[0])) found.push({ kind: 'API key', at: m.index, length: m[0].length });
  }
  return found;
}

/** A line with each finding masked, to name where a leak is without repeating it. */
export function masked(line: string, findings: readonly Finding[]): string {
  let out = line;
  for (const f of findings)
    out = `${out.slice(0, f.at + 4)}${'*'.repeat(Math.max(f.length - 4, 0))}${out.slice(f.at + f.length)}`;
  return out.length > 300 ? `${out.slice(0, 300)}…` : out;
}
