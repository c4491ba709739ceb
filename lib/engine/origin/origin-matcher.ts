import {
  CorsConfigurationError,
  type CorsConfigurationWarning,
} from '../cors-configuration.error.js';
import { LRUCache } from 'lru-cache';
import type { CorsOrigin } from '../cors-policy-options.interface.js';
import { printable } from '../printable.js';
import { statelessCopy } from '../stateless-regexp.js';
import { DEFAULT_ORIGIN_FUNCTION_TIMEOUT, type OriginFunctionMatcher } from './origin-function.js';
import { compileOriginPattern, matchesPattern, type OriginPattern } from './origin-pattern.js';
import {
  asBrowsersSendIt,
  FILE_PAGES_SEND_NULL,
  hostNoBrowserParses,
  type ParsedOrigin,
  parseOrigin,
  serializeOrigin,
} from './serialized-origin.js';

/**
 * The compiled `origin` option. `any` answers `*` to everyone; `reflect` echoes
 * any well-formed origin; `list` holds exact origins in a Set (O(1) whatever its
 * size) plus patterns and RegExps; `function` asks user code per request.
 */
export type OriginMatcher =
  | { readonly kind: 'none' }
  | { readonly kind: 'any' }
  | { readonly kind: 'reflect' }
  | {
      readonly kind: 'list';
      /** Canonical form: lowercase scheme and host. */
      readonly exact: ReadonlySet<string>;
      readonly patterns: readonly OriginPattern[];
      readonly regExps: readonly RegExp[];
    }
  | OriginFunctionMatcher;

export type ListOriginMatcher = Extract<OriginMatcher, { kind: 'list' }>;

const UPPERCASE = /[A-Z]/;

/** Whether a `list` matcher allows the origin exactly as the request sent it. */
export function listAllows(matcher: ListOriginMatcher, origin: string): boolean {
  // Browsers send lowercase origins: one Set lookup decides the common case.
  return matcher.exact.has(origin) || listAllowsBeyondExact(matcher, origin);
}

/**
 * `listAllows` for an origin already known not to be one of the exact origins
 * as sent: what is left is its canonical form, the patterns and the RegExps.
 */
export function listAllowsBeyondExact(matcher: ListOriginMatcher, origin: string): boolean {
  if (matcher.patterns.length === 0 && matcher.regExps.length === 0 && !UPPERCASE.test(origin)) {
    return false;
  }
  const parsed = parseOrigin(origin);
  if (parsed === undefined) return false;
  const canonical = serializeOrigin(parsed);
  if (matcher.exact.has(canonical)) return true;
  for (const pattern of matcher.patterns) if (matchesPattern(pattern, parsed)) return true;
  // Against the canonical form, so that hosts compare case-insensitively here too.
  for (const regExp of matcher.regExps) if (regExp.test(canonical)) return true;
  return false;
}

/** `true` reflects any well-formed origin, never `null` or a malformed value. */
export function reflectAllows(origin: string): boolean {
  return parseOrigin(origin) !== undefined;
}

interface CompiledOrigin {
  readonly matcher: OriginMatcher;
  /** Exact and pattern origins, for the insecure-scheme warning. */
  readonly listed: readonly ParsedOrigin[];
  readonly warnings: readonly CorsConfigurationWarning[];
}

const invalid = (value: string, fix: string) =>
  new CorsConfigurationError(
    'invalid-origin',
    'origin',
    `"${value}" is not a serialized origin (scheme://host[:port]); ${fix}`,
  );

const fileOriginDetail = (value: string) => `"${value}": ${FILE_PAGES_SEND_NULL}`;

/** Says what to write instead of a string that is not a serialized origin. */
function explainBadOrigin(value: string): CorsConfigurationError {
  const trimmed = value.trim();
  if (trimmed !== value) return invalid(value, `remove the surrounding whitespace: "${trimmed}"`);
  // `file://` has no host to parse, but is what a user means by "my local page".
  if (/^file:/i.test(value))
    return new CorsConfigurationError('invalid-origin', 'origin', fileOriginDetail(value));
  const schemeEnd = value.indexOf('://');
  if (schemeEnd <= 0) return invalid(value, `add the scheme: "https://${value}"`);
  // Checked before the path: in "https://a.com,https://b.com" the second "//" is no path.
  if (value.includes('://', schemeEnd + 3)) {
    return invalid(value, 'list several origins as an array, one per entry');
  }
  const afterScheme = value.slice(schemeEnd + 3);
  const slash = afterScheme.indexOf('/');
  if (slash >= 0) {
    const origin = value.slice(0, schemeEnd + 3 + slash);
    return invalid(value, `an origin has no path or trailing slash: write "${origin}"`);
  }
  if (afterScheme.includes('@')) return invalid(value, 'an origin has no user name or password');
  const defaultPort = /^(https:\/\/.+):443$|^(http:\/\/.+):80$/.exec(value.toLowerCase());
  if (defaultPort) {
    return invalid(
      value,
      `browsers never send a default port: write "${defaultPort[1] ?? defaultPort[2]}"`,
    );
  }
  if (value.includes(',')) return invalid(value, 'list several origins as an array, one per entry');
  const sent = asBrowsersSendIt(value);
  if (sent !== undefined && sent !== value && parseOrigin(sent) !== undefined)
    return invalid(value, `browsers send it as "${sent}": write that`);
  return invalid(value, 'write it as a browser sends it, e.g. "https://app.example.com"');
}

function isAnchored(regExp: RegExp): boolean {
  const { source } = regExp;
  return source.startsWith('^') && endsWithAnchor(source) && !alternatesAtTopLevel(source);
}

/**
 * Whether a RegExp source has a `|` outside any group and character class:
 * in `^a|b$` the `^` binds to the first branch and the `$` to the last, so
 * neither branch is anchored at both ends.
 */
function alternatesAtTopLevel(source: string): boolean {
  let depth = 0;
  let inClass = false;
  for (let at = 0; at < source.length; at++) {
    const char = source[at];
    if (char === '\\') at++;
    else if (inClass) inClass = char !== ']';
    else if (char === '[') inClass = true;
    else if (char === '(') depth++;
    else if (char === ')') depth--;
    else if (char === '|' && depth === 0) return true;
  }
  return false;
}

/** Whether a RegExp source ends with a `$` that is an anchor, not an escaped dollar sign. */
function endsWithAnchor(source: string): boolean {
  const slashes = /\\*\$$/.exec(source)?.[0].length ?? 0;
  return slashes > 0 && slashes % 2 === 1;
}

/**
 * The warning for a RegExp without ^ and $. Its fix is the same RegExp
 * anchored around the whole of it (an alternation grouped, or ^ and $ would
 * bind to its first and last branch only), with a scheme where it names none:
 * it is tested against whole origins, so `/^app\.example\.com$/` would match
 * nothing.
 */
function unanchoredWarning(regExp: RegExp): CorsConfigurationWarning {
  const { source } = regExp;
  const body = source.slice(
    source.startsWith('^') ? 1 : 0,
    source.length - (endsWithAnchor(source) ? 1 : 0),
  );
  const grouped = body.includes('|') ? `(?:${body})` : body;
  const anchored = `/^${schemeBefore(body)}${grouped}$/${regExp.flags}`;
  const example = lookAlikeOf(regExp, body);
  return {
    option: 'origin',
    message:
      `the RegExp ${regExp} is not anchored with ^ and $, so it also matches origins that merely ` +
      `contain what it describes${example === undefined ? '' : ` (such as "${example}")`}; ` +
      `anchor it, with its scheme: ${anchored}`,
  };
}

/** A RegExp source naming a scheme first: `https?:\/\/`, `http://`, `(?:https):[/]{2}`. */
const NAMES_SCHEME = /^[(?:]*[a-z][a-z0-9+.?|()-]*:(?:\\\/|\/|\[\/\])/i;
const LOOPBACK = /^(?:localhost|127\\\.|\\\[::1)/;

/** The scheme a RegExp that names none is meant for: `http` for a loopback host (as development servers run), else `https`. */
function schemeMeantBy(body: string): 'http' | 'https' {
  return LOOPBACK.test(body) ? 'http' : 'https';
}

/**
 * What the fix puts before a RegExp that names no scheme: the scheme it is
 * meant for, and any subdomain's labels for one that starts with a dot.
 */
function schemeBefore(body: string): string {
  if (NAMES_SCHEME.test(body)) return '';
  return `${schemeMeantBy(body)}:\\/\\/${body.startsWith('\\.') ? '[a-z0-9.-]+' : ''}`;
}

/**
 * An origin of another site the unanchored RegExp lets in, shown only when
 * the RegExp is a plain literal (letters, digits and escaped punctuation),
 * the look-alike is an origin as browsers send it, and the RegExp matches it:
 * a guess for any other would mislead.
 */
function lookAlikeOf(regExp: RegExp, body: string): string | undefined {
  if (!/^(?:\\[^A-Za-z0-9]|[A-Za-z0-9:/.-])*$/.test(body)) return undefined;
  const literal = body.replace(/\\(.)/g, '$1');
  const origin = NAMES_SCHEME.test(body) ? literal : `${schemeMeantBy(body)}://${literal}`;
  const candidates = [
    `${origin}.evil.test`,
    `https://evil-${literal}`,
    `https://evil${literal}.evil.test`,
  ];
  const stateless = statelessCopy(regExp);
  return candidates.find((candidate) => {
    const parsed = parseOrigin(candidate);
    return (
      parsed !== undefined && serializeOrigin(parsed) === candidate && stateless.test(candidate)
    );
  });
}

/** How an origin function is asked: see `originFunctionTimeout` and `originCache`. */
export interface OriginFunctionOptions {
  readonly timeout?: number;
  readonly cache?: { readonly max: number; readonly ttl: number };
}

export function compileOrigin(
  origin: CorsOrigin,
  functionOptions: OriginFunctionOptions = {},
): CompiledOrigin {
  if (origin === true) return { matcher: { kind: 'reflect' }, listed: [], warnings: [] };
  if (origin === false) return { matcher: { kind: 'none' }, listed: [], warnings: [] };
  if (typeof origin === 'function') {
    const { timeout = DEFAULT_ORIGIN_FUNCTION_TIMEOUT, cache } = functionOptions;
    const matcher: OriginFunctionMatcher = {
      kind: 'function',
      allow: origin,
      timeout,
      cache:
        cache === undefined
          ? undefined
          : new LRUCache<string, boolean>({ max: cache.max, ttl: cache.ttl }),
    };
    return { matcher, listed: [], warnings: [] };
  }
  const entries = Array.isArray(origin) ? origin : [origin];
  if (entries.includes('*')) return { matcher: { kind: 'any' }, listed: [], warnings: [] };

  const exact = new Set<string>();
  const patterns: OriginPattern[] = [];
  const regExps: RegExp[] = [];
  const listed: ParsedOrigin[] = [];
  const warnings: CorsConfigurationWarning[] = [];
  for (const entry of entries as readonly unknown[]) {
    if (entry instanceof RegExp) {
      if (!isAnchored(entry)) warnings.push(unanchoredWarning(entry));
      // A backslash before a letter makes a class or an escape (\d, \S, \B), not a capital.
      if (!entry.flags.includes('i') && /[A-Z]/.test(entry.source.replace(/\\[A-Za-z]/g, '')))
        warnings.push({
          option: 'origin',
          message: `the RegExp ${entry} has capital letters, but it is tested against origins as browsers send them, in lower case, which those parts never match; write them in lower case`,
        });
      regExps.push(statelessCopy(entry));
    } else if (typeof entry !== 'string') {
      throw new CorsConfigurationError(
        'invalid-option-type',
        'origin',
        `${printable(entry)} is not an origin; list entries are strings or RegExps`,
      );
    } else if (entry.trim().toLowerCase() === 'null') {
      throw new CorsConfigurationError(
        'null-origin',
        'origin',
        '"null" is the origin of sandboxed iframes, file: pages and redirected requests: any site can produce it, so allowing it lets every site in. Remove it.',
      );
    } else if (entry.includes('*')) {
      const pattern = compileOriginPattern(entry);
      patterns.push(pattern);
      listed.push({ scheme: pattern.scheme, host: pattern.host.replace(/^\./, ''), port: '' });
    } else {
      const parsed = parseOrigin(
        entry.replace(/^[A-Za-z][A-Za-z0-9+.-]*:/, (s) => s.toLowerCase()),
      );
      if (parsed === undefined) throw explainBadOrigin(entry);
      const serialized = serializeOrigin(parsed);
      const sent = asBrowsersSendIt(serialized);
      if (sent === undefined)
        throw new CorsConfigurationError(
          'invalid-origin',
          'origin',
          `"${entry}" is never sent: ${hostNoBrowserParses(parsed.host)}`,
        );
      if (sent !== serialized)
        throw new CorsConfigurationError(
          'invalid-origin',
          'origin',
          sent === 'null'
            ? fileOriginDetail(entry)
            : `"${entry}" is never sent: browsers write this origin as "${sent}"; write that`,
        );
      exact.add(serialized);
      listed.push(parsed);
    }
  }
  return { matcher: { kind: 'list', exact, patterns, regExps }, listed, warnings };
}
