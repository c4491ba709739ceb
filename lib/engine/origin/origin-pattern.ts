import { CorsConfigurationError } from '../cors-configuration.error.js';
import {
  asBrowsersSendIt,
  type ParsedOrigin,
  parseOrigin,
  serializeOrigin,
} from './serialized-origin.js';

/**
 * A wildcard origin pattern: `https://*.example.com` (one or more labels before
 * the suffix, never the apex), `https://example.com:*` (any port, or none), or
 * both. Everything that is not a `*` compares exactly.
 */
export interface OriginPattern {
  readonly source: string;
  readonly scheme: string;
  /** With subdomains: the suffix including its leading dot (`.example.com`). */
  readonly host: string;
  readonly subdomains: boolean;
  /** `'*'` for any port; otherwise the exact port (`''` for none). */
  readonly port: string;
}

export function matchesPattern(pattern: OriginPattern, origin: ParsedOrigin): boolean {
  if (origin.scheme !== pattern.scheme) return false;
  if (pattern.port !== '*' && origin.port !== pattern.port) return false;
  return pattern.subdomains
    ? origin.host.length > pattern.host.length && origin.host.endsWith(pattern.host)
    : origin.host === pattern.host;
}

const fail = (source: string, detail: string): CorsConfigurationError =>
  new CorsConfigurationError(
    'invalid-origin-pattern',
    'origin',
    `"${source}" is not a valid origin pattern: ${detail}. ` +
      'Patterns look like "https://*.example.com" (any subdomain), "http://localhost:*" (any port) or both.',
  );

/** Compiles a configured pattern (a string containing `*`), or throws naming the fix. */
export function compileOriginPattern(source: string): OriginPattern {
  const schemeEnd = source.indexOf('://');
  if (schemeEnd <= 0) throw fail(source, 'it has no scheme; write "https://" in front');
  const scheme = source.slice(0, schemeEnd).toLowerCase();
  let rest = source.slice(schemeEnd + 3);

  let port = '';
  if (rest.endsWith(':*')) {
    port = '*';
    rest = rest.slice(0, -2);
  }
  const subdomains = rest.startsWith('*.');
  if (subdomains) rest = rest.slice(2);
  if (rest.includes('*')) {
    throw fail(
      source,
      'a "*" may only stand for whole leading labels ("*.") or for the port (":*")',
    );
  }

  // What is left must itself be a serialized origin (with the fixed port, if any), as browsers
  // write it: another spelling of its host would never match.
  const written = `${scheme}://${rest}`;
  const concrete = parseOrigin(written);
  const serialized = concrete && serializeOrigin(concrete);
  const sent = asBrowsersSendIt(serialized ?? written);
  if (sent !== (serialized ?? written) && sent !== 'null' && parseOrigin(sent) !== undefined) {
    const host = sent.slice(scheme.length + 3);
    const fixed = `${scheme}://${subdomains ? '*.' : ''}${host}${port === '*' ? ':*' : ''}`;
    throw fail(source, `browsers write "${written}" as "${sent}"; write "${fixed}"`);
  }
  if (concrete === undefined) throw fail(source, `"${written}" is not a serialized origin`);
  if (port === '*' && concrete.port !== '') throw fail(source, 'it names a port and ":*" at once');
  if (subdomains) {
    if (concrete.host.startsWith('[') || !concrete.host.includes('.')) {
      throw fail(
        source,
        `"*.${concrete.host}" would match every site under a top-level domain; name a registrable domain such as "*.example.com"`,
      );
    }
  }
  return {
    source,
    scheme,
    host: subdomains ? `.${concrete.host}` : concrete.host,
    subdomains,
    port: port === '*' ? '*' : concrete.port,
  };
}
