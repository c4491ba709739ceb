import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { appendVary, type ActualDecision, type HeaderPair } from '../engine/index.js';

/** The request as both adapters give it: express's `req`, fastify's `request`. */
export interface HttpRequest {
  readonly method: string;
  readonly url: string;
  readonly originalUrl?: string;
  readonly headers: IncomingHttpHeaders;
  [CORS_STATE]?: CorsRequestState;
}

/** What the early hook decided, so that a version-filtered handler can tell whether it was for its policy. */
export interface CorsRequestState {
  /** The policy whose headers are on the response. */
  readonly policy: object;
  readonly decision: ActualDecision;
}

export const CORS_STATE = Symbol('nestjs-cors:state');

/**
 * Response access on one adapter: express responses are Node responses,
 * fastify replies keep their own header map (raw `setHeader` calls would be
 * overwritten when the reply is sent).
 */
export interface ResponseAccess {
  getHeader(response: unknown, name: string): unknown;
  setHeader(response: unknown, name: string, value: string): void;
  removeHeader(response: unknown, name: string): void;
  /** Ends the response: empty, or with a short plain-text body. */
  send(response: unknown, status: number, body?: string): void;
  /** The Node response underneath. */
  raw(response: unknown): ServerResponse;
}

interface NodeResponse {
  statusCode: number;
  getHeader(name: string): unknown;
  setHeader(name: string, value: string): void;
  removeHeader(name: string): void;
  end(body?: string): void;
}

const PLAIN_TEXT = 'text/plain; charset=utf-8';

const expressAccess: ResponseAccess = {
  raw: (response) => response as ServerResponse,
  getHeader: (response, name) => (response as NodeResponse).getHeader(name),
  setHeader: (response, name, value) => (response as NodeResponse).setHeader(name, value),
  removeHeader: (response, name) => (response as NodeResponse).removeHeader(name),
  send(response, status, body) {
    const res = response as NodeResponse;
    res.statusCode = status;
    if (body === undefined) {
      res.setHeader('Content-Length', '0');
      res.end();
    } else {
      res.setHeader('Content-Type', PLAIN_TEXT);
      res.setHeader('Content-Length', String(Buffer.byteLength(body)));
      res.end(body);
    }
  },
};

interface FastifyReply {
  readonly raw: ServerResponse;
  getHeader(name: string): unknown;
  header(name: string, value: string): FastifyReply;
  removeHeader(name: string): FastifyReply;
  code(status: number): FastifyReply;
  type(contentType: string): FastifyReply;
  send(body?: string): FastifyReply;
}

const fastifyAccess: ResponseAccess = {
  raw: (response) => (response as FastifyReply).raw,
  getHeader: (response, name) => (response as FastifyReply).getHeader(name),
  setHeader: (response, name, value) => void (response as FastifyReply).header(name, value),
  removeHeader: (response, name) => void (response as FastifyReply).removeHeader(name),
  send(response, status, body) {
    const reply = (response as FastifyReply).code(status);
    if (body === undefined) reply.header('Content-Length', '0').send();
    else reply.type(PLAIN_TEXT).send(body);
  },
};

/** The response access for an application's adapter. */
export function responseAccessFor(adapter: { getType(): string } | undefined): ResponseAccess {
  return adapter?.getType() === 'fastify' ? fastifyAccess : expressAccess;
}

/** Sets a decision's headers and appends its Vary tokens to whatever Vary is there. */
export function writeCorsHeaders(
  access: ResponseAccess,
  response: unknown,
  headers: readonly HeaderPair[],
  vary: string | undefined,
): void {
  for (const [name, value] of headers) access.setHeader(response, name, value);
  if (vary !== undefined)
    access.setHeader(response, 'Vary', appendVary(access.getHeader(response, 'Vary'), vary));
}

/** Writes an actual-request decision's headers now, and keeps them so until they are sent. */
export function writeActualHeaders(
  access: ResponseAccess,
  response: unknown,
  headers: readonly HeaderPair[],
  vary: string | undefined,
): void {
  writeCorsHeaders(access, response, headers, vary);
  const allowOrigin = headers.length > 0 ? headers[0][1] : undefined;
  if (allowOrigin !== undefined || vary !== undefined)
    pinCorsHeaders(access.raw(response), allowOrigin, vary);
}

/** The headers an actual-request decision may have set, removed when another policy takes over. */
export const ACTUAL_HEADER_NAMES = [
  'Access-Control-Allow-Origin',
  'Access-Control-Allow-Credentials',
  'Access-Control-Expose-Headers',
] as const;

const ALLOW_ORIGIN = 'access-control-allow-origin';
const VARY = 'vary';

/** What a response keeps until its headers are written; a later decision updates it. */
interface PinnedHeaders {
  allowOrigin: string | undefined;
  vary: string | undefined;
}

const PINNED = Symbol('nestjs-cors:pinned');
type PinnedResponse = ServerResponse & { [PINNED]?: PinnedHeaders };

/**
 * Keeps the CORS headers as decided until they are written, whatever the app
 * does in between: one Access-Control-Allow-Origin with the policy's value
 * (express's `res.append`, a header array or a handler's own value would
 * otherwise go out), and the Vary tokens still in a Vary that `@Header()` or
 * the handler replaced. Patching this one response's `writeHead` costs nothing
 * on the others, and also covers responses the handler sends itself. A second
 * decision for the same response (a version filter naming the exact handler)
 * replaces what is kept rather than wrapping `writeHead` again, so the last
 * decision is the one that goes out.
 */
function pinCorsHeaders(
  raw: PinnedResponse,
  allowOrigin: string | undefined,
  vary: string | undefined,
): void {
  const kept = raw[PINNED];
  if (kept !== undefined) {
    kept.allowOrigin = allowOrigin;
    if (vary !== undefined)
      kept.vary = kept.vary === undefined ? vary : appendVary(kept.vary, vary);
    return;
  }
  const pinned: PinnedHeaders = { allowOrigin, vary };
  raw[PINNED] = pinned;
  const writeHead = raw.writeHead;
  raw.writeHead = function (this: ServerResponse, ...args: unknown[]) {
    const { allowOrigin, vary } = pinned;
    // fastify passes its own header map to writeHead; express sets headers on the response.
    for (const arg of args) {
      if (typeof arg === 'object' && arg !== null && !Array.isArray(arg)) {
        const headers = arg as OutgoingHttpHeaders;
        for (const name of Object.keys(headers)) {
          const lower = name.toLowerCase();
          if (lower === ALLOW_ORIGIN && allowOrigin !== undefined) headers[name] = allowOrigin;
          else if (lower === VARY && vary !== undefined && headers[name] !== vary) {
            headers[name] = appendVary(headers[name], vary);
          }
        }
      }
    }
    if (allowOrigin !== undefined && this.hasHeader(ALLOW_ORIGIN))
      this.setHeader(ALLOW_ORIGIN, allowOrigin);
    if (vary !== undefined) {
      const current = this.getHeader(VARY);
      if (current !== vary) this.setHeader(VARY, appendVary(current, vary));
    }
    return (writeHead as (...a: unknown[]) => ServerResponse).apply(this, args);
  } as ServerResponse['writeHead'];
}
