import { pathToRegexp } from 'path-to-regexp';
import { statelessCopy } from '../engine/index.js';

/** Tests a request's Host header (its port ignored) against a controller's `host`. */
export type HostMatcher = (host: string | undefined) => boolean;

export type HostOption = string | RegExp | ReadonlyArray<string | RegExp>;

/**
 * Matches hosts the way Nest's own host filter does: path-to-regexp for
 * strings, RegExps as given (Nest uses `match`, which ignores `lastIndex`).
 */
export function compileHostMatcher(host: HostOption): HostMatcher {
  const regExps = (Array.isArray(host) ? host : [host]).map((entry: string | RegExp) =>
    typeof entry === 'string' ? pathToRegexp(entry).regexp : statelessCopy(entry),
  );
  return (host) => {
    const hostname = hostnameOf(host);
    return regExps.some((regExp) => regExp.test(hostname));
  };
}

/** The hostname of a Host header value (`api.example.com:3000`, `[::1]:3000`). */
function hostnameOf(host: string | undefined): string {
  if (host === undefined) return '';
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    return end < 0 ? host : host.slice(0, end + 1);
  }
  const colon = host.indexOf(':');
  return colon < 0 ? host : host.slice(0, colon);
}
