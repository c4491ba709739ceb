import vary from 'vary';

/** Vary tokens of an actual response whose Access-Control-Allow-Origin depends on Origin. */
export const VARY_ACTUAL = 'Origin';
/** Vary tokens of a preflight answer: it depends on all three request headers. */
export const VARY_PREFLIGHT =
  'Origin, Access-Control-Request-Method, Access-Control-Request-Headers';
/** A preflight answered with a static `*` still depends on what was requested. */
export const VARY_PREFLIGHT_ANY_ORIGIN =
  'Access-Control-Request-Method, Access-Control-Request-Headers';

/**
 * Appends tokens to an existing Vary value without duplicates and without
 * dropping what is there (a `*` stays `*`).
 */
export function appendVary(existing: unknown, tokens: string): string {
  if (existing === undefined || existing === null || existing === '') return tokens;
  const current = Array.isArray(existing) ? existing.join(', ') : String(existing);
  return vary.append(current, tokens);
}
