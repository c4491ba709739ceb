import { isIPv4 } from 'node:net';
import { CorsConfigurationError } from '../cors-configuration.error.js';
import { isPublicSuffix, publicSuffixOf } from './public-suffix.js';
import {
  asBrowsersSendIt,
  FILE_PAGES_SEND_NULL,
  hostNoBrowserParses,
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
  if (!pattern.subdomains) return origin.host === pattern.host;
  return (
    origin.host.length > pattern.host.length &&
    origin.host.endsWith(pattern.host) &&
    // A public suffix below the pattern's domain is where its owner lets anyone
    // register: `*.amazonaws.com` must not let in every bucket under
    // `s3.amazonaws.com`. Such a suffix is at least as long as `.amazonaws.com`.
    publicSuffixOf(origin.host).length < pattern.host.length
  );
}

const fail = (source: string, detail: string): CorsConfigurationError =>
  new CorsConfigurationError(
    'invalid-origin-pattern',
    'origin',
    `"${source}" is not a valid origin pattern: ${detail}. ` +
      'Patterns look like "https://*.example.com" (any subdomain), "http://localhost:*" (any port) or both.',
  );

/**
 * A wildcard must stand for subdomains of one owner's domain. Under a public
 * suffix, anyone can register a name and with it an origin the pattern lets
 * in: `https://*.github.io` allows every GitHub Pages site. Whoever means
 * that spells it out as a RegExp.
 */
function checkSubdomainsOf(source: string, host: string): void {
  const instead = 'name a registrable domain such as "*.example.com"';
  if (host.startsWith('[') || isIPv4(host))
    throw fail(source, `an IP address has no subdomains; ${instead}`);
  // Browsers resolve every name under localhost to the machine itself (RFC 6761),
  // so "*.localhost" reaches no further than "localhost:*" does.
  if (host === 'localhost') return;
  if (!host.includes('.'))
    throw fail(source, `"*.${host}" would match every site under a top-level domain; ${instead}`);
  if (isPublicSuffix(host))
    throw fail(
      source,
      `anyone can register a site under "${host}" (a public suffix), and "*.${host}" would ` +
        `allow every such site; ${instead} or "*.your-app.${host}" (or a RegExp, if every ` +
        'site under it is truly meant)',
    );
}

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
  if (sent === 'null') throw fail(source, FILE_PAGES_SEND_NULL);
  if (sent !== undefined && sent !== (serialized ?? written) && parseOrigin(sent) !== undefined) {
    const host = sent.slice(scheme.length + 3);
    const fixed = `${scheme}://${subdomains ? '*.' : ''}${host}${port === '*' ? ':*' : ''}`;
    throw fail(source, `browsers write "${written}" as "${sent}"; write "${fixed}"`);
  }
  if (concrete === undefined) throw fail(source, `"${written}" is not a serialized origin`);
  if (sent === undefined) throw fail(source, hostNoBrowserParses(concrete.host));
  if (port === '*' && concrete.port !== '') throw fail(source, 'it names a port and ":*" at once');
  if (subdomains) checkSubdomainsOf(source, concrete.host);
  return {
    source,
    scheme,
    host: subdomains ? `.${concrete.host}` : concrete.host,
    subdomains,
    port: port === '*' ? '*' : concrete.port,
  };
}
