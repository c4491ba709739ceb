/**
 * Serialized origins (`scheme://host[:port]`), as browsers send them in the
 * Origin header. A value that does not have exactly this shape (a path, userinfo,
 * a list, whitespace, a default port written out) is not an origin.
 */

export interface ParsedOrigin {
  readonly scheme: string;
  /** Lowercased: hosts compare case-insensitively. */
  readonly host: string;
  /** The port as written, or `''` when none was. */
  readonly port: string;
}

/** Longer than any real origin; refusing early keeps hostile values cheap. */
const MAX_ORIGIN_LENGTH = 2048;

const LABEL = '[A-Za-z0-9_](?:[A-Za-z0-9_-]*[A-Za-z0-9_])?';
const HOST = `(?:\\[[0-9A-Fa-f:.]+\\]|${LABEL}(?:\\.${LABEL})*)`;
const ORIGIN_SHAPE = new RegExp(`^([a-z][a-z0-9+.-]*)://(${HOST})(?::([1-9][0-9]{0,4}))?$`);

const DEFAULT_PORTS: Readonly<Record<string, string>> = { http: '80', https: '443' };

/**
 * Parses an Origin header value. Returns undefined for anything a browser would
 * not send as an origin, including `null` and a default port written out.
 */
export function parseOrigin(value: string): ParsedOrigin | undefined {
  if (value.length > MAX_ORIGIN_LENGTH) return undefined;
  const match = ORIGIN_SHAPE.exec(value);
  if (match === null) return undefined;
  const [, scheme, host, port = ''] = match;
  if (port !== '' && (Number(port) > 65535 || DEFAULT_PORTS[scheme] === port)) return undefined;
  return { scheme, host: host.toLowerCase(), port };
}

/**
 * Joined into one flat string on purpose: V8 makes a long template literal a
 * rope (a pair of pieces joined lazily), and a Map or Set compares a rope key
 * with a request's Origin, which is always flat, far more slowly than a flat
 * one. Exact origins are such keys, and each bucket holds a few: with rope
 * keys, an allowed lookup among 1,000 origins ran at 0.6-0.7 of the speed of
 * one among 3; with flat keys, at about the same speed.
 */
export function serializeOrigin({ scheme, host, port }: ParsedOrigin): string {
  return (port === '' ? [scheme, '://', host] : [scheme, '://', host, ':', port]).join('');
}

/**
 * How a browser serializes an origin of the URL schemes it parses hosts for
 * (IPv6 compressed, IPv4 in dotted decimal, international names in punycode,
 * `file:` as null), or `undefined` where its URL parser refuses the host
 * (`https://a.1`): no page has that origin. Other schemes as given.
 */
export function asBrowsersSendIt(origin: string): string | undefined {
  if (!/^(?:https?|file):/.test(origin)) return origin;
  try {
    return new URL(origin).origin;
  } catch {
    return undefined;
  }
}

export const FILE_PAGES_SEND_NULL =
  'pages on file: URLs send Origin: null, which any site can produce; remove it';

export const hostNoBrowserParses = (host: string): string =>
  `browsers cannot parse the host "${host}", so no page has this origin; check its spelling`;

/** `localhost`, `*.localhost`, 127.0.0.0/8 and `[::1]`: origins that never leave the machine. */
export function isLoopbackHost(host: string): boolean {
  return (
    host === 'localhost' ||
    host.endsWith('.localhost') ||
    host === '[::1]' ||
    /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
  );
}
