import type { INestApplication } from '@nestjs/common';
import { performance } from 'node:perf_hooks';
import request, { type Response } from 'supertest';
import { headerLines } from '../../support/cors-http.js';
import { rawRequest, type RawHeader, type RawResponse } from './raw-http.js';

/** What a test needs from a response, whichever client sent the request. */
export interface Answer {
  readonly status: number;
  /** Access-Control-Allow-Origin, one entry per header line (so two lines are seen as two). */
  readonly allowOrigin: readonly string[];
  /** The names of every Access-Control-Allow-* header present. */
  readonly allowHeaders: readonly string[];
  /** Access-Control-Allow-Headers and Access-Control-Allow-Methods, when present. */
  readonly allowHeadersValue: string | undefined;
  readonly allowMethodsValue: string | undefined;
  /** The Vary tokens, lowercased. */
  readonly vary: readonly string[];
  readonly body: string;
  /** Milliseconds the exchange took. */
  readonly ms: number;
}

const ALLOW_PREFIX = 'access-control-allow-';

/** An Answer from a supertest response. */
export function fromSupertest(res: Response, ms: number): Answer {
  const names = Object.keys(res.headers);
  const vary = res.headers.vary as string | undefined;
  return {
    status: res.status,
    allowOrigin: headerLines(res, 'access-control-allow-origin'),
    allowHeaders: names.filter((name) => name.startsWith(ALLOW_PREFIX)),
    allowHeadersValue: res.headers['access-control-allow-headers'] as string | undefined,
    allowMethodsValue: res.headers['access-control-allow-methods'] as string | undefined,
    vary: vary === undefined ? [] : vary.split(',').map((token) => token.trim().toLowerCase()),
    body: res.text ?? '',
    ms,
  };
}

/** An Answer from a raw-socket response. */
export function fromRaw(res: RawResponse): Answer {
  const single = (name: string) => res.headers[name]?.join(', ');
  return {
    status: res.status,
    allowOrigin: res.headers['access-control-allow-origin'] ?? [],
    allowHeaders: Object.keys(res.headers).filter((name) => name.startsWith(ALLOW_PREFIX)),
    allowHeadersValue: single('access-control-allow-headers'),
    allowMethodsValue: single('access-control-allow-methods'),
    vary: (res.headers.vary ?? []).flatMap((value) =>
      value.split(',').map((token) => token.trim().toLowerCase()),
    ),
    body: res.body,
    ms: res.ms,
  };
}

/** Sends a request with supertest (one line per header) and times it. */
export async function viaSupertest(
  app: INestApplication,
  method: 'GET' | 'OPTIONS',
  path: string,
  headers: Readonly<Record<string, string>>,
): Promise<Answer> {
  const start = performance.now();
  let req =
    method === 'GET'
      ? request(app.getHttpServer()).get(path)
      : request(app.getHttpServer()).options(path);
  for (const [name, value] of Object.entries(headers)) req = req.set(name, value);
  const res = await req;
  return fromSupertest(res, performance.now() - start);
}

/** Sends a request over a raw socket, header lines exactly as given. */
export async function viaSocket(
  port: number,
  method: string,
  path: string,
  headers: readonly RawHeader[],
  encoding: 'latin1' | 'utf8' = 'latin1',
): Promise<Answer> {
  return fromRaw(await rawRequest(port, { method, path, headers, encoding }));
}
