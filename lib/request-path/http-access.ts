import type { IncomingHttpHeaders } from 'node:http';
import { appendVary, type ActualDecision, type HeaderPair } from '../engine/index.js';

/** The request as both adapters give it: express's `req`, fastify's `request`. */
export interface HttpRequest {
  readonly method: string;
  readonly url: string;
  readonly originalUrl?: string;
  readonly headers: IncomingHttpHeaders;
  [CORS_STATE]?: CorsRequestState;
}

/** What the early hook decided, so the interceptor does not decide twice. */
export interface CorsRequestState {
  /** The policy whose headers are on the response. */
  readonly policy: object;
  /** Undefined on a preflight passed on with `preflightContinue`. */
  readonly decision: ActualDecision | undefined;
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
  isSent(response: unknown): boolean;
  /** Ends the response: empty, or with a short plain-text body. */
  send(response: unknown, status: number, body?: string): void;
}

interface NodeResponse {
  statusCode: number;
  headersSent: boolean;
  getHeader(name: string): unknown;
  setHeader(name: string, value: string): void;
  removeHeader(name: string): void;
  end(body?: string): void;
}

const PLAIN_TEXT = 'text/plain; charset=utf-8';

export const expressAccess: ResponseAccess = {
  getHeader: (response, name) => (response as NodeResponse).getHeader(name),
  setHeader: (response, name, value) => (response as NodeResponse).setHeader(name, value),
  removeHeader: (response, name) => (response as NodeResponse).removeHeader(name),
  isSent: (response) => (response as NodeResponse).headersSent,
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
  readonly sent: boolean;
  getHeader(name: string): unknown;
  header(name: string, value: string): FastifyReply;
  removeHeader(name: string): FastifyReply;
  code(status: number): FastifyReply;
  type(contentType: string): FastifyReply;
  send(body?: string): FastifyReply;
}

export const fastifyAccess: ResponseAccess = {
  getHeader: (response, name) => (response as FastifyReply).getHeader(name),
  setHeader: (response, name, value) => void (response as FastifyReply).header(name, value),
  removeHeader: (response, name) => void (response as FastifyReply).removeHeader(name),
  isSent: (response) => (response as FastifyReply).sent,
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

/** The headers an actual-request decision may have set, removed when another policy takes over. */
export const ACTUAL_HEADER_NAMES = [
  'Access-Control-Allow-Origin',
  'Access-Control-Allow-Credentials',
  'Access-Control-Expose-Headers',
] as const;
