import { ServerResponse, type IncomingHttpHeaders } from 'node:http';
import type { HeaderPair } from '../engine/index.js';
import {
  pinOnResponse,
  pinThroughPrototype,
  type HeaderOwner,
  type PinHeaders,
  type PinnedAnswer,
} from './header-pin.js';

/**
 * The Node request under both adapters' request objects (express's `req` is
 * one; fastify's `request.raw`). The request path reads only this: fastify's
 * own request caches some getters in properties it adds on first read, which
 * would give every request object a second shape.
 */
export interface HttpRequest {
  readonly method: string;
  readonly url: string;
  readonly headers: IncomingHttpHeaders;
}

/**
 * The method a CORS preflight asks for (Access-Control-Request-Method), or
 * undefined for any other request: a preflight is an OPTIONS request with that
 * header and an Origin.
 */
export function preflightMethodOf(request: HttpRequest): string | undefined {
  const { headers } = request;
  const requested = headers['access-control-request-method'];
  return requested !== undefined && request.method === 'OPTIONS' && headers.origin !== undefined
    ? requested
    : undefined;
}

/** What express and `method-override` keep of a request as it came in. */
interface ExpressRequest extends HttpRequest {
  readonly originalUrl?: string;
  readonly originalMethod?: string;
}

/**
 * Whether express middleware sent the request to another route than the one
 * its URL and method as sent name: it rewrote `req.url` (express keeps the URL
 * it received in `originalUrl`) or `req.method` (`method-override` keeps the
 * method in `originalMethod`, which is otherwise absent: looked up on the
 * request alone, since a miss would walk express's slow prototypes).
 */
export function reroutedByMiddleware(request: unknown): boolean {
  const { url, originalUrl, method } = request as ExpressRequest;
  return (
    (originalUrl !== undefined && url !== originalUrl) ||
    (Object.hasOwn(request as object, 'originalMethod') &&
      (request as ExpressRequest).originalMethod !== method)
  );
}

/**
 * Request and response access on one adapter: express's are Node's own,
 * fastify's wrap them, and its replies keep their own header map (raw
 * `setHeader` calls would be overwritten when the reply is sent).
 */
export interface HttpAccess {
  /** The Node request underneath. */
  nodeRequest(request: unknown): HttpRequest;
  setHeader(response: unknown, name: string, value: string): void;
  removeHeader(response: unknown, name: string): void;
  /**
   * Ends the response: empty, or with a short plain-text body. An empty one is
   * framed by Node (and fastify): `Content-Length: 0` on a 200, none on a 204,
   * which must not carry one (RFC 9110, section 8.6).
   */
  send(response: unknown, status: number, body?: string): void;
  /** The Node response underneath. */
  nodeResponse(response: unknown): ServerResponse;
  /** Keeps a decision's CORS headers as decided until the head is written. */
  readonly pinHeaders: PinHeaders;
}

interface NodeResponse {
  statusCode: number;
  setHeader(name: string, value: string): void;
  removeHeader(name: string): void;
  end(body?: string): void;
}

const PLAIN_TEXT = 'text/plain; charset=utf-8';

/**
 * Express's access where a response is still Node's own (before express gives
 * it the app's prototype): the pin goes on the response itself, and so keeps
 * the headers whatever prototype it has when its head is written.
 */
export const expressFrontAccess: HttpAccess = {
  pinHeaders: pinOnResponse,
  nodeRequest: (request) => request as HttpRequest,
  nodeResponse: (response) => response as ServerResponse,
  setHeader: (response, name, value) => (response as NodeResponse).setHeader(name, value),
  removeHeader: (response, name) => (response as NodeResponse).removeHeader(name),
  send(response, status, body) {
    const res = response as NodeResponse;
    res.statusCode = status;
    if (body === undefined) return res.end();
    res.setHeader('Content-Type', PLAIN_TEXT);
    res.setHeader('Content-Length', String(Buffer.byteLength(body)));
    res.end(body);
  },
};

interface FastifyReply {
  readonly raw: ServerResponse;
  header(name: string, value: string): FastifyReply;
  removeHeader(name: string): FastifyReply;
  code(status: number): FastifyReply;
  type(contentType: string): FastifyReply;
  send(body?: string): FastifyReply;
}

/**
 * The names CORS headers are written under on fastify, whose replies key their
 * headers by lowercase name and lowercase every name they are given: a name
 * already in lowercase costs no new string per call. Made on first use; the
 * request path writes only the library's own few names.
 */
const FASTIFY_HEADER_NAMES = new Map<string, string>();
function fastifyName(name: string): string {
  let lowercase = FASTIFY_HEADER_NAMES.get(name);
  if (lowercase === undefined) FASTIFY_HEADER_NAMES.set(name, (lowercase = name.toLowerCase()));
  return lowercase;
}

const fastifyAccess: HttpAccess = {
  pinHeaders: pinOnResponse,
  nodeRequest: (request) => (request as { raw: HttpRequest }).raw,
  nodeResponse: (response) => (response as FastifyReply).raw,
  setHeader: (response, name, value) =>
    void (response as FastifyReply).header(fastifyName(name), value),
  removeHeader: (response, name) => void (response as FastifyReply).removeHeader(fastifyName(name)),
  send(response, status, body) {
    const reply = (response as FastifyReply).code(status);
    if (body === undefined) reply.send();
    else reply.type(PLAIN_TEXT).send(body);
  },
};

/** The request and response access for an application's adapter. */
export function httpAccessFor(
  adapter: { getType(): string; getInstance(): unknown } | undefined,
): HttpAccess {
  if (adapter?.getType() === 'fastify') return fastifyAccess;
  // Express gives every response the app's own `response` object as prototype,
  // and that object express's shared one. The pin goes on the shared one: an
  // express sub-app the app calls (from a middleware or a Router, not mounted
  // with app.use) gives the response its own `response` object instead.
  const app = adapter?.getInstance() as { response?: ServerResponse } | undefined;
  if (app?.response === undefined) return expressFrontAccess;
  const shared = Object.getPrototypeOf(app.response) as ServerResponse;
  const prototype = shared === ServerResponse.prototype ? app.response : shared;
  return { ...expressFrontAccess, pinHeaders: pinThroughPrototype(prototype) };
}

/** A refusal's answer: no Access-Control-Allow-Origin and the like goes out, whoever set it. */
export const REFUSED_ANSWER: readonly HeaderPair[] = [];

/**
 * Writes a decision's headers now, and keeps them so until they are sent
 * (`answer`: see `PinnedAnswer`), for a preflight the library answers as for
 * an actual request: an app's own hook (a fastify `onSend`, a `writeHead`
 * wrapper) runs in between either way. Its Vary tokens are added only then, by
 * the pin, to the Vary the response has by that time: whatever the app did in
 * between, they must go out, so writing them now as well would only cost a
 * read and a write.
 */
export function writeDecisionHeaders(
  access: HttpAccess,
  response: unknown,
  answer: PinnedAnswer,
  vary: string | undefined,
): void {
  if (answer === undefined && vary === undefined) return;
  // Indexed, as on the rest of the request path: a for…of allocated iterator results per request.
  if (answer !== undefined)
    for (let i = 0; i < answer.length; i++) access.setHeader(response, answer[i][0], answer[i][1]);
  const node = access.nodeResponse(response);
  access.pinHeaders(node, answer, vary, node === response ? undefined : (response as HeaderOwner));
}
