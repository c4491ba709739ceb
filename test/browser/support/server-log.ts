import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';

/**
 * What the API saw during one case. Requests, and the answers to preflights,
 * are seen on the Node server itself (its `'request'` event), since a preflight
 * answered early never reaches Nest's middleware, guards or handlers; the app
 * records its own steps (handlers, a guard) with `record()`.
 */
export class ServerLog {
  /** Every request that reached the HTTP server, as `METHOD /path`. */
  readonly requests: string[] = [];
  /** App-level steps in order: handler names, `guard`. */
  readonly steps: string[] = [];
  /** Request headers the last handler received. */
  lastHeaders: IncomingHttpHeaders = {};
  /** The answer to each preflight (OPTIONS request): status, and Max-Age if sent. */
  readonly preflights: string[] = [];

  /** Listens ahead of the app, so that it sees each response's head being written. */
  watch(server: Server): void {
    server.prependListener('request', (request: IncomingMessage, response: ServerResponse) => {
      this.requests.push(`${request.method} ${request.url}`);
      if (request.method === 'OPTIONS') this.recordAnswer(response);
    });
  }

  private recordAnswer(response: ServerResponse): void {
    const writeHead = response.writeHead;
    const index = this.preflights.push('(no answer)') - 1;
    const preflights = this.preflights;
    response.writeHead = function (
      this: ServerResponse,
      status: number,
      ...rest: unknown[]
    ): ServerResponse {
      // fastify passes its headers here; express set them on the response before.
      const passed = rest.find((arg) => typeof arg === 'object' && arg !== null);
      const maxAge =
        headerIn(passed, 'access-control-max-age') ?? this.getHeader('access-control-max-age');
      preflights[index] = maxAge === undefined ? `${status}` : `${status} max-age=${maxAge}`;
      return (writeHead as (...args: unknown[]) => ServerResponse).call(this, status, ...rest);
    } as ServerResponse['writeHead'];
  }

  record(step: string, headers?: IncomingHttpHeaders): void {
    this.steps.push(step);
    if (headers !== undefined) this.lastHeaders = headers;
  }

  reset(): void {
    this.requests.length = 0;
    this.preflights.length = 0;
    this.steps.length = 0;
    this.lastHeaders = {};
  }
}

/** A header's value in what `writeHead` was given: an object, or a flat list of names and values. */
function headerIn(headers: unknown, name: string): unknown {
  if (Array.isArray(headers)) {
    for (let i = 0; i + 1 < headers.length; i += 2) {
      if (String(headers[i]).toLowerCase() === name) return headers[i + 1];
    }
    return undefined;
  }
  if (headers === undefined) return undefined;
  const entry = Object.entries(headers as object).find(([key]) => key.toLowerCase() === name);
  return entry?.[1];
}
