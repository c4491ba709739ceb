/**
 * Access-Control-Request-Headers parsing. Browsers send lowercase names joined by
 * "," without spaces; proxies may add spaces, empty elements or split the value
 * over several lines. Anything else (invalid characters, too many names, too long)
 * is refused. One pass over the value, so a hostile 1 MiB value costs a length check.
 */

/** Far above what a browser sends (it lists only non-safelisted names). */
export const MAX_REQUEST_HEADER_NAMES = 64;
export const MAX_REQUEST_HEADERS_LENGTH = 4096;

export type ParsedHeaderList =
  | {
      readonly ok: true;
      /** Lowercase names, in request order. */
      readonly names: readonly string[];
      /** The names joined by ",": the value to echo back. */
      readonly joined: string;
    }
  | { readonly ok: false; readonly problem: 'too-long' | 'too-many' | 'invalid-name' };

const EMPTY: ParsedHeaderList = { ok: true, names: [], joined: '' };

// 1 for token characters (RFC 9110), 2 for separators ("," and optional whitespace).
const CHAR_CLASS = new Uint8Array(128);
for (const c of "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ") {
  CHAR_CLASS[c.charCodeAt(0)] = 1;
}
for (const c of ', \t') CHAR_CLASS[c.charCodeAt(0)] = 2;

const TOO_LONG: ParsedHeaderList = { ok: false, problem: 'too-long' };
const TOO_MANY: ParsedHeaderList = { ok: false, problem: 'too-many' };
const INVALID: ParsedHeaderList = { ok: false, problem: 'invalid-name' };

/**
 * What browsers send: lowercase token names joined by "," alone, within the
 * name limit. A compiled RegExp checks it in a fraction of the time the loop
 * below takes, and the names are then cut at the commas as they are.
 */
const LOWERCASE_NAME = "[!#$%&'*+\\-.^_`|~0-9a-z]+";
const BROWSER_FORM = new RegExp(
  `^${LOWERCASE_NAME}(?:,${LOWERCASE_NAME}){0,${MAX_REQUEST_HEADER_NAMES - 1}}$`,
);

/** The names of a value in the browser form; `split(',')` took about three times as long. */
function namesOfBrowserForm(text: string): string[] {
  const names: string[] = [];
  let start = 0;
  for (let comma = text.indexOf(','); comma >= 0; comma = text.indexOf(',', start)) {
    names.push(text.slice(start, comma));
    start = comma + 1;
  }
  names.push(text.slice(start));
  return names;
}

export function parseHeaderList(value: string | readonly string[] | undefined): ParsedHeaderList {
  if (value === undefined) return EMPTY;
  const text = typeof value === 'string' ? value : value.join(',');
  if (text.length > MAX_REQUEST_HEADERS_LENGTH) return TOO_LONG;
  if (BROWSER_FORM.test(text)) return { ok: true, names: namesOfBrowserForm(text), joined: text };

  const names: string[] = [];
  // Whether `text` is already in the form we echo (lowercase, "," only), so that
  // the common browser value is echoed without being rebuilt.
  let canonical = true;
  let start = -1;
  // Set when whitespace closed a name: only "," may follow, since "x trace" is one
  // malformed element, not the two names "x" and "trace".
  let awaitingComma = false;
  for (let i = 0; i <= text.length; i++) {
    const code = i < text.length ? text.charCodeAt(i) : 44; // a final "," closes the last name
    const kind = code < 128 ? CHAR_CLASS[code] : 0;
    if (kind === 1) {
      if (start < 0) {
        if (awaitingComma) return INVALID;
        start = i;
      }
      if (code >= 65 && code <= 90) canonical = false;
      continue;
    }
    if (kind === 0) return INVALID;
    if (start >= 0) {
      if (names.length === MAX_REQUEST_HEADER_NAMES) return TOO_MANY;
      names.push(text.slice(start, i).toLowerCase());
      start = -1;
      if (code !== 44) {
        canonical = false;
        awaitingComma = true;
      }
    } else if (i < text.length) {
      canonical = false; // whitespace or an empty element
    }
    if (code === 44) awaitingComma = false;
  }
  if (names.length === 0) return EMPTY;
  if (CHAR_CLASS[text.charCodeAt(text.length - 1)] !== 1) canonical = false; // a trailing separator
  return { ok: true, names, joined: canonical ? text : names.join(',') };
}
