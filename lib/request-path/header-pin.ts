import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { appendVary } from '../engine/index.js';
import { ResponseSlots } from './response-slots.js';

/**
 * What keeps a response's headers when the Node response does not: fastify's
 * reply, whose own header map its `writeHead` call hands over.
 */
export interface HeaderOwner {
  getHeader(name: string): unknown;
}

/** The headers an actual-request decision may have set, removed when another policy takes over. */
export const ACTUAL_HEADER_NAMES = [
  'Access-Control-Allow-Origin',
  'Access-Control-Allow-Credentials',
  'Access-Control-Expose-Headers',
] as const;

/** What a response keeps until its head is written; a later decision updates it. */
interface PinnedHeaders {
  allowOrigin: string | undefined;
  vary: string | undefined;
  /** The reply holding the decision's headers, for a head written around it. */
  readonly owner?: HeaderOwner;
}

type WriteHead = (this: ServerResponse, ...args: unknown[]) => ServerResponse;

/**
 * Keeps the CORS headers as decided until they are written, whatever the app
 * does in between: one Access-Control-Allow-Origin with the policy's value
 * (express's `res.append`, a header array or a handler's own value would
 * otherwise go out), and the Vary tokens, added to whatever Vary the response
 * has by then (one `@Header()` or the handler set, say). This also covers
 * responses the handler sends itself.
 * A second decision for the same response (a version filter naming the exact
 * handler) updates what is kept, so the last decision is the one that goes out.
 */
export type PinHeaders = (
  response: ServerResponse,
  allowOrigin: string | undefined,
  vary: string | undefined,
  owner?: HeaderOwner,
) => void;

const ALLOW_ORIGIN = 'access-control-allow-origin';
const VARY = 'vary';

const PINNED = Symbol('nestjs-cors:pinned');
type OwnPin = PinnedHeaders & { readonly writeHead: WriteHead };
type PinnableResponse = ServerResponse & { [PINNED]?: OwnPin };

/**
 * Pins on the response itself: what is kept, and a `writeHead` shared by all
 * pinned responses. For Node's own responses (fastify's), where adding two
 * properties costs nanoseconds.
 */
export const pinOnResponse: PinHeaders = (response: PinnableResponse, allowOrigin, vary, owner) => {
  const kept = response[PINNED];
  if (kept !== undefined) return updatePinned(kept, allowOrigin, vary);
  response[PINNED] = { allowOrigin, vary, owner, writeHead: response.writeHead as WriteHead };
  response.writeHead = writeOwnPinnedHead as ServerResponse['writeHead'];
};

function writeOwnPinnedHead(this: PinnableResponse, ...args: unknown[]): ServerResponse {
  const kept = this[PINNED]!;
  restorePinned(this, kept, args);
  return kept.writeHead.apply(this, args);
}

const prototypePins = new WeakMap<object, PinHeaders>();

/**
 * Pins through the prototype express gives every response of an app (the app's
 * `response` object): one `writeHead` wrapper on it, and what is kept in
 * response slots (on the response's connection: adding a property to those
 * responses takes microseconds, since their prototype is a dictionary-mode object).
 */
export function pinThroughPrototype(prototype: ServerResponse): PinHeaders {
  let pin = prototypePins.get(prototype);
  if (pin !== undefined) return pin;
  const kept = new ResponseSlots<PinnedHeaders>();
  const writeHead = prototype.writeHead as WriteHead;
  const wrapper: WriteHead = function (...args) {
    const pinned = kept.get(this);
    if (pinned === undefined) return writeHead.apply(this, args);
    restorePinned(this, pinned, args);
    // Let go of only once written: a head Node refuses (a header value it cannot
    // send) is followed by an error answer, which must keep the pinned values too.
    const written = writeHead.apply(this, args);
    kept.delete(this);
    return written;
  };
  prototype.writeHead = wrapper as ServerResponse['writeHead'];
  pin = (response, allowOrigin, vary) => {
    const pinned = kept.get(response);
    if (response.writeHead !== wrapper) {
      // Not the app's wrapper (an express sub-app's prototype, or another
      // library's wrapper on the response): the response keeps its own record,
      // and one made here earlier moves into it, so that only the last decision goes out.
      if (pinned !== undefined) {
        kept.delete(response);
        pinOnResponse(response, pinned.allowOrigin, pinned.vary);
      }
      return pinOnResponse(response, allowOrigin, vary);
    }
    if (pinned !== undefined) updatePinned(pinned, allowOrigin, vary);
    else kept.set(response, { allowOrigin, vary });
  };
  prototypePins.set(prototype, pin);
  return pin;
}

function updatePinned(
  kept: PinnedHeaders,
  allowOrigin: string | undefined,
  vary: string | undefined,
): void {
  kept.allowOrigin = allowOrigin;
  if (vary !== undefined) kept.vary = kept.vary === undefined ? vary : appendVary(kept.vary, vary);
}

/** What a head's own header list or map was seen to hold, as bits. */
const SAW_VARY = 1;
const SAW_ALLOW_ORIGIN = 2;

/**
 * fastify hands its whole header map to `writeHead` and sets nothing on the
 * Node response; the kept values go into that map, because a header set on the
 * Node response as well would send Node down its slower path that merges the two.
 */
function restorePinned(
  response: ServerResponse,
  { allowOrigin, vary, owner }: PinnedHeaders,
  args: unknown[],
): void {
  const at = headerArgumentIndex(args);
  let given = at >= 0 ? (args[at] as OutgoingHttpHeaders | unknown[]) : undefined;
  // Node drops the response's own header of each name a list holds: fix a copy, never the caller's list.
  if (Array.isArray(given)) args[at] = given = [...given];
  const seen =
    given === undefined
      ? 0
      : Array.isArray(given)
        ? keepInHeaderList(given, allowOrigin, vary)
        : keepInHeaderMap(given, allowOrigin, vary);
  if (allowOrigin !== undefined) {
    const current = response.getHeader(ALLOW_ORIGIN);
    if (current !== undefined) {
      if (current !== allowOrigin) response.setHeader(ALLOW_ORIGIN, allowOrigin);
    } else if ((seen & SAW_ALLOW_ORIGIN) === 0 && owner?.getHeader(ALLOW_ORIGIN) !== undefined)
      copyAroundOwner(response, owner, given, allowOrigin);
  }
  if (vary === undefined) return;
  const current = response.getHeader(VARY);
  if (current !== undefined) {
    if (current !== vary) response.setHeader(VARY, appendVary(current, vary));
  } else if ((seen & SAW_VARY) === 0) addHeader(response, given, VARY, vary);
}

const ANSWER_HEADERS = ACTUAL_HEADER_NAMES.map((name) => name.toLowerCase());

/**
 * A head written around fastify's reply (a hijacked one, answering on the
 * Node response) lacks what the reply still holds: its CORS answer headers, as
 * the app left them (Access-Control-Allow-Origin with the kept value), go into
 * that head, but none the head or the response already has, in any case.
 */
function copyAroundOwner(
  response: ServerResponse,
  owner: HeaderOwner,
  given: OutgoingHttpHeaders | unknown[] | undefined,
  allowOrigin: string,
): void {
  for (const name of ANSWER_HEADERS) {
    const value = owner.getHeader(name);
    if (value === undefined || response.hasHeader(name) || holdsHeader(given, name)) continue;
    addHeader(response, given, name, name === ALLOW_ORIGIN ? allowOrigin : String(value));
  }
}

/** Whether a head's own list or map names a header, in any case. */
function holdsHeader(given: OutgoingHttpHeaders | unknown[] | undefined, name: string): boolean {
  if (given === undefined) return false;
  const names = Array.isArray(given) ? given.filter((_, at) => at % 2 === 0) : Object.keys(given);
  return names.some((each) => typeof each === 'string' && each.toLowerCase() === name);
}

/** Adds a header to the head being written: to its own list or map, or to the response. */
function addHeader(
  response: ServerResponse,
  given: OutgoingHttpHeaders | unknown[] | undefined,
  name: string,
  value: string,
): void {
  if (Array.isArray(given)) given.push(name, value);
  else if (given !== undefined) given[name] = value;
  else response.setHeader(name, value);
}

/**
 * Where `writeHead(status, [message], [headers])` has its headers, as Node
 * reads it: the third argument, or the second when that is not a message.
 */
function headerArgumentIndex(args: readonly unknown[]): number {
  const at = args[2] !== undefined && args[2] !== null ? 2 : typeof args[1] === 'string' ? -1 : 1;
  return at >= 0 && typeof args[at] === 'object' && args[at] !== null ? at : -1;
}

/** Which kept header a name is, in any case; length first, which spares lowercasing most names. */
function keptHeaderOf(name: string): typeof ALLOW_ORIGIN | typeof VARY | undefined {
  if (name.length === ALLOW_ORIGIN.length && name.toLowerCase() === ALLOW_ORIGIN)
    return ALLOW_ORIGIN;
  if (name.length === VARY.length && name.toLowerCase() === VARY) return VARY;
  return undefined;
}

/** Puts the kept values into a header map; says which of them it holds (`SAW_*`). */
function keepInHeaderMap(
  headers: OutgoingHttpHeaders,
  allowOrigin: string | undefined,
  vary: string | undefined,
): number {
  let seen = 0;
  for (const name of Object.keys(headers)) {
    const kept = keptHeaderOf(name);
    if (kept === ALLOW_ORIGIN) {
      seen |= SAW_ALLOW_ORIGIN;
      if (allowOrigin !== undefined) headers[name] = allowOrigin;
    } else if (kept === VARY) {
      seen |= SAW_VARY;
      if (vary !== undefined && headers[name] !== vary)
        headers[name] = appendVary(headers[name], vary);
    }
  }
  return seen;
}

/**
 * The same for a flat `[name, value, name, value, ...]` list, where a name may
 * come more than once: Node sends each, so a repeated Access-Control-Allow-Origin
 * is dropped.
 */
function keepInHeaderList(
  list: unknown[],
  allowOrigin: string | undefined,
  vary: string | undefined,
): number {
  let seen = 0;
  for (let i = 0; i + 1 < list.length; i += 2) {
    const kept = typeof list[i] === 'string' ? keptHeaderOf(list[i] as string) : undefined;
    if (kept === ALLOW_ORIGIN && allowOrigin !== undefined) {
      if ((seen & SAW_ALLOW_ORIGIN) !== 0) {
        list.splice(i, 2);
        i -= 2;
      } else list[i + 1] = allowOrigin;
      seen |= SAW_ALLOW_ORIGIN;
    } else if (kept === ALLOW_ORIGIN) seen |= SAW_ALLOW_ORIGIN;
    else if (kept === VARY) {
      seen |= SAW_VARY;
      if (vary !== undefined) list[i + 1] = appendVary(list[i + 1], vary);
    }
  }
  return seen;
}
