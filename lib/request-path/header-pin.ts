import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { appendVary, type HeaderPair } from '../engine/index.js';
import { ResponseSlots } from './response-slots.js';

/**
 * What keeps a response's headers when the Node response does not: fastify's
 * reply, whose own header map its `writeHead` call hands over.
 */
export interface HeaderOwner {
  getHeader(name: string): unknown;
}

/** The headers of an actual-request answer, which a decision sets. */
export const ACTUAL_HEADER_NAMES = [
  'Access-Control-Allow-Origin',
  'Access-Control-Allow-Credentials',
  'Access-Control-Expose-Headers',
] as const;

/**
 * The answer headers a decision allows out: its own (none for a refusal), or,
 * for a request without Origin, `undefined`: no CORS answer is given, and
 * whatever the app sets goes out.
 */
export type PinnedAnswer = readonly HeaderPair[] | undefined;

/** What a response keeps until its head is written; a later decision updates it. */
interface PinnedHeaders {
  answer: PinnedAnswer;
  vary: string | undefined;
  /** The reply holding the decision's headers, for a head written around it. */
  readonly owner?: HeaderOwner;
}

type WriteHead = (this: ServerResponse, ...args: unknown[]) => ServerResponse;

/**
 * Keeps the CORS headers as decided until they are written, whatever the app
 * does in between: the answer headers with the decision's values and no
 * others (express's `res.append`, a header array, a handler's own value, an
 * exception filter's or a leftover `cors()` middleware's would otherwise go
 * out, for an origin the policy refuses too), and the Vary tokens, added to
 * whatever Vary the response has by then (one `@Header()` or the handler set,
 * say). This also covers responses the handler sends itself.
 * A second decision for the same response (a version filter naming the exact
 * handler) updates what is kept, so the last decision is the one that goes out.
 */
export type PinHeaders = (
  response: ServerResponse,
  answer: PinnedAnswer,
  vary: string | undefined,
  owner?: HeaderOwner,
) => void;

const PINNED = Symbol('nestjs-cors:pinned');
type OwnPin = PinnedHeaders & { readonly writeHead: WriteHead };
type PinnableResponse = ServerResponse & { [PINNED]?: OwnPin };

/**
 * Pins on the response itself: what is kept, and a `writeHead` shared by all
 * pinned responses. For Node's own responses (fastify's), where adding two
 * properties costs nanoseconds.
 */
export const pinOnResponse: PinHeaders = (response: PinnableResponse, answer, vary, owner) => {
  const kept = response[PINNED];
  if (kept !== undefined) return updatePinned(kept, answer, vary);
  response[PINNED] = { answer, vary, owner, writeHead: response.writeHead as WriteHead };
  response.writeHead = writeOwnPinnedHead as ServerResponse['writeHead'];
};

/** Whether a response keeps its pinned headers itself (`pinOnResponse`). */
export function hasOwnPin(response: ServerResponse): boolean {
  return (response as PinnableResponse)[PINNED] !== undefined;
}

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
  pin = (response, answer, vary) => {
    const pinned = kept.get(response);
    if (!Object.prototype.isPrototypeOf.call(prototype, response)) {
      // A response that does not inherit the wrapper (an express copy other than
      // the app's) keeps its own record, and one made here earlier moves into it,
      // so that only the last decision goes out. A wrapper a middleware put on the
      // response itself calls down to this one, which so still writes last.
      if (pinned !== undefined) {
        kept.delete(response);
        pinOnResponse(response, pinned.answer, pinned.vary);
      }
      return pinOnResponse(response, answer, vary);
    }
    if (pinned !== undefined) updatePinned(pinned, answer, vary);
    else kept.set(response, { answer, vary });
  };
  prototypePins.set(prototype, pin);
  return pin;
}

function updatePinned(kept: PinnedHeaders, answer: PinnedAnswer, vary: string | undefined): void {
  kept.answer = answer;
  if (vary !== undefined) kept.vary = kept.vary === undefined ? vary : appendVary(kept.vary, vary);
}

/**
 * The answer headers by lowercase name (as fastify's map and Node's own
 * `getHeader` key them), each with its name as the engine writes it.
 */
const ANSWER_HEADERS = ACTUAL_HEADER_NAMES.map((name) => [name.toLowerCase(), name] as const);
/**
 * The answer headers that decide what a page may read, and so only the
 * decision may send: Access-Control-Allow-Origin and -Allow-Credentials.
 * Expose-Headers only widens what an allowed origin reads, and apps set it
 * themselves (`@Header()`), so theirs goes out as set.
 */
const OWNED_HEADERS = ANSWER_HEADERS.slice(0, 2);
const VARY = 'vary';

/** The value an answer gives a header (by the engine's name), or undefined when it must not go out. */
function answerValue(answer: readonly HeaderPair[], name: string): string | undefined {
  // Indexed loops on the request path: its for…of loops allocated iterator
  // results on every request (heap sampling: about 240 bytes per allowed GET).
  for (let i = 0; i < answer.length; i++) if (answer[i][0] === name) return answer[i][1];
  return undefined;
}

/**
 * fastify hands its whole header map to `writeHead` and sets nothing on the
 * Node response; the kept values go into that map, because a header set on the
 * Node response as well would send Node down its slower path that merges the two.
 * Any other list or map a head is written with is the caller's (a constant,
 * perhaps frozen, that other responses reuse): a copy is fixed instead.
 */
function restorePinned(
  response: ServerResponse,
  { answer, vary, owner }: PinnedHeaders,
  args: unknown[],
): void {
  const at = headerArgumentIndex(args);
  let given = at >= 0 ? (args[at] as OutgoingHttpHeaders | unknown[]) : undefined;
  const ownersMap = owner !== undefined && given !== undefined && given === headerMapOf(owner);
  const aroundOwner = owner !== undefined && !ownersMap;
  if (given !== undefined && !ownersMap)
    args[at] = given = Array.isArray(given) ? flatList(given) : { ...given };
  const sawVary =
    given !== undefined &&
    (Array.isArray(given)
      ? keepInHeaderList(given, answer, vary)
      : ownersMap
        ? keepInReplyMap(given, answer, vary)
        : keepInHeaderMap(given, answer, vary));
  if (answer !== undefined) {
    for (let i = 0; i < OWNED_HEADERS.length; i++) {
      const owned = OWNED_HEADERS[i]; // indexed: see answerValue
      const current = response.getHeader(owned[0]);
      if (current === undefined) continue;
      const value = answerValue(answer, owned[1]);
      if (value === undefined) response.removeHeader(owned[0]);
      else if (current !== value) response.setHeader(owned[0], value);
    }
    if (aroundOwner) copyAroundOwner(response, owner, given, answer);
  }
  if (vary === undefined) return;
  const current = response.getHeader(VARY);
  if (current !== undefined) {
    if (current !== vary) response.setHeader(VARY, appendVary(current, vary));
  } else if (!sawVary) addHeader(response, given, VARY, vary);
}

/**
 * A head written around fastify's reply (a hijacked one, answering on the
 * Node response) lacks the answer headers the reply holds: those the app left
 * on the reply go into it (the owned ones with the decision's values), but
 * none the head or the response already has, in any case.
 */
function copyAroundOwner(
  response: ServerResponse,
  owner: HeaderOwner,
  given: OutgoingHttpHeaders | unknown[] | undefined,
  answer: readonly HeaderPair[],
): void {
  for (const [lowercase] of ANSWER_HEADERS) {
    const held = owner.getHeader(lowercase);
    if (held === undefined || response.hasHeader(lowercase) || holdsHeader(given, lowercase))
      continue;
    const owned = keptHeaderOf(lowercase);
    const value = owned !== undefined ? answerValue(answer, owned) : String(held);
    if (value !== undefined) addHeader(response, given, lowercase, value);
  }
}

/**
 * A copy of a head's header list, flat (`[name, value, ...]`): Node takes a
 * list of `[name, value]` pairs as well, which the code here need not know.
 */
function flatList(list: unknown[]): unknown[] {
  return Array.isArray(list[0]) ? list.flat() : [...list];
}

/**
 * fastify's own header map for a reply, which its `writeHead` call hands over
 * and which is made for that reply alone. Found by the symbol fastify keeps it
 * under; should a fastify version name it otherwise, every head counts as
 * written around the reply, which is right and only slower.
 */
let replyHeadersKey: symbol | null | undefined;
function headerMapOf(owner: HeaderOwner): unknown {
  if (replyHeadersKey === undefined)
    replyHeadersKey =
      Object.getOwnPropertySymbols(owner).find(
        (symbol) => symbol.description === 'fastify.reply.headers',
      ) ?? null;
  return replyHeadersKey === null
    ? undefined
    : (owner as unknown as Record<symbol, unknown>)[replyHeadersKey];
}

/** Whether a head's own list or map names a header (given in lowercase), in any case. */
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

/**
 * The kept headers by the length of their names, which all differ (4, 27 and
 * 32): most names a head holds are passed over without being lowercased.
 */
const KEPT_BY_LENGTH: Array<readonly [lowercase: string, kept: string]> = [];
for (const [lowercase, name] of [...OWNED_HEADERS, [VARY, VARY] as const])
  KEPT_BY_LENGTH[lowercase.length] = [lowercase, name];

/** A bit for each owned header (by the engine's name), to tell a head that names one twice. */
const bitOf = (kept: string) => (kept === OWNED_HEADERS[0][1] ? 1 : 2);

/**
 * What an owned header a head names becomes: the decision's value, or nothing
 * when the decision has none or the head named it already (in another case:
 * Node would send both). `answered` holds the bits of those named already.
 */
function ownedValue(
  answer: readonly HeaderPair[],
  kept: string,
  answered: number,
): string | undefined {
  return (answered & bitOf(kept)) !== 0 ? undefined : answerValue(answer, kept);
}

/** Which kept header a name is, in any case: an owned answer header's name as the engine writes it, or `vary`. */
function keptHeaderOf(name: string): string | undefined {
  if (name.length >= KEPT_BY_LENGTH.length) return undefined;
  const kept = KEPT_BY_LENGTH[name.length];
  return kept !== undefined && name.toLowerCase() === kept[0] ? kept[1] : undefined;
}

/** Puts the kept values into a header map, removing owned headers the decision has not; says whether it holds a Vary. */
function keepInHeaderMap(
  headers: OutgoingHttpHeaders,
  answer: PinnedAnswer,
  vary: string | undefined,
): boolean {
  let sawVary = false;
  let answered = 0;
  // for…in rather than Object.keys: no array per head (the map is fastify's plain object, or a copy).
  for (const name in headers) {
    const kept = keptHeaderOf(name);
    if (kept === undefined) continue;
    if (kept === VARY) {
      sawVary = true;
      if (vary !== undefined && headers[name] !== vary)
        headers[name] = appendVary(headers[name], vary);
    } else if (answer !== undefined) {
      const value = ownedValue(answer, kept, answered);
      answered |= bitOf(kept);
      if (value === undefined) delete headers[name];
      else headers[name] = value;
    }
  }
  return sawVary;
}

/**
 * The same for fastify's own reply map, whose names fastify lowercases as they
 * are set: each kept header is read by name, where a map of unknown origin is
 * walked name by name (the walk was the pin's largest cost per fastify reply).
 */
function keepInReplyMap(
  headers: OutgoingHttpHeaders,
  answer: PinnedAnswer,
  vary: string | undefined,
): boolean {
  if (answer !== undefined) {
    for (let i = 0; i < OWNED_HEADERS.length; i++) {
      const owned = OWNED_HEADERS[i]; // indexed, not destructured: see answerValue
      if (headers[owned[0]] === undefined) continue;
      const value = answerValue(answer, owned[1]);
      if (value === undefined) delete headers[owned[0]];
      else headers[owned[0]] = value;
    }
  }
  const current = headers[VARY];
  if (current === undefined) return false;
  if (vary !== undefined && current !== vary) headers[VARY] = appendVary(current, vary);
  return true;
}

/**
 * The same for a flat `[name, value, name, value, ...]` list, where a name may
 * come more than once: Node sends each, so a repeated answer header is dropped.
 * The Vary tokens go into the last Vary line: Node sends every line of a list,
 * unless the response has headers of its own, and then only the last of a name.
 */
function keepInHeaderList(
  list: unknown[],
  answer: PinnedAnswer,
  vary: string | undefined,
): boolean {
  let lastVary = -1;
  let answered = 0;
  for (let i = 0; i + 1 < list.length; i += 2) {
    const kept = typeof list[i] === 'string' ? keptHeaderOf(list[i] as string) : undefined;
    if (kept === VARY) lastVary = i;
    else if (kept !== undefined && answer !== undefined) {
      const value = ownedValue(answer, kept, answered);
      answered |= bitOf(kept);
      if (value !== undefined) list[i + 1] = value;
      else {
        list.splice(i, 2);
        i -= 2;
      }
    }
  }
  if (lastVary >= 0 && vary !== undefined)
    list[lastVary + 1] = appendVary(list[lastVary + 1], vary);
  return lastVary >= 0;
}
