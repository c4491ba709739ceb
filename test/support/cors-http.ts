import type { INestApplication } from '@nestjs/common';
import request, { type Response } from 'supertest';

export interface PreflightOptions {
  readonly origin: string;
  readonly method: string;
  readonly headers?: string;
}

/** Sends a CORS preflight: OPTIONS with Origin and Access-Control-Request-Method. */
export function preflight(
  app: INestApplication,
  path: string,
  { origin, method, headers }: PreflightOptions,
) {
  const req = request(app.getHttpServer())
    .options(path)
    .set('Origin', origin)
    .set('Access-Control-Request-Method', method);
  return headers === undefined ? req : req.set('Access-Control-Request-Headers', headers);
}

/**
 * Every value of a header as it came over the wire, one per header line. Node
 * joins repeated lines into one comma-separated value in `res.headers`, so this
 * is how to tell one header from two.
 */
export function headerLines(res: Response, name: string): string[] {
  const raw = (res as Response & { res: { rawHeaders: string[] } }).res.rawHeaders;
  const values: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    if (raw[i].toLowerCase() === name.toLowerCase()) values.push(raw[i + 1]);
  }
  return values;
}

/** The tokens of the Vary header, trimmed, in order. */
export function varyTokens(res: Response): string[] {
  const vary = res.headers.vary as string | undefined;
  return vary === undefined ? [] : vary.split(',').map((token) => token.trim());
}
