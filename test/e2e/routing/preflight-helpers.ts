import { expect } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request, { type Response } from 'supertest';

export interface PreflightOptions {
  /** The Host header, for host-bound controllers. */
  readonly host?: string;
  /** Access-Control-Request-Headers. */
  readonly headers?: string;
}

/** Sends a preflight: OPTIONS with Origin and Access-Control-Request-Method. */
export function preflight(
  app: INestApplication,
  path: string,
  origin: string,
  method: string,
  options: PreflightOptions = {},
) {
  const req = request(app.getHttpServer())
    .options(path)
    .set('Origin', origin)
    .set('Access-Control-Request-Method', method);
  if (options.host !== undefined) req.set('Host', options.host);
  if (options.headers !== undefined) req.set('Access-Control-Request-Headers', options.headers);
  return req;
}

/** An allowed preflight: 204, this origin echoed, and the given Allow-Methods. */
export function expectAllowed(res: Response, origin: string, allowMethods?: string): void {
  expect({ status: res.status, allowOrigin: res.headers['access-control-allow-origin'] }).toEqual({
    status: 204,
    allowOrigin: origin,
  });
  if (allowMethods !== undefined) {
    expect(res.headers['access-control-allow-methods']).toBe(allowMethods);
  }
}

/**
 * A refused preflight: 403 with a short plain-text reason, no
 * Access-Control-Allow-* header at all, and Vary naming Origin.
 */
export function expectRefused(res: Response): void {
  const allowHeaders = Object.keys(res.headers).filter((name) =>
    name.startsWith('access-control-allow-'),
  );
  expect({ status: res.status, allowHeaders }).toEqual({ status: 403, allowHeaders: [] });
  expect(res.headers['content-type']).toMatch(/^text\/plain/);
  expect(res.text).toMatch(/^CORS preflight refused: /);
  expect(res.text.length).toBeLessThan(200);
  expect(varyTokens(res)).toContain('origin');
}

/** The Vary tokens of a response, lowercased. */
export function varyTokens(res: Response): string[] {
  const vary = res.headers.vary as string | undefined;
  return vary === undefined ? [] : vary.split(',').map((token) => token.trim().toLowerCase());
}
