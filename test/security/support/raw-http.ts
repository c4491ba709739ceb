import type { INestApplication } from '@nestjs/common';
import type { AddressInfo } from 'node:net';
import net from 'node:net';
import { performance } from 'node:perf_hooks';

/** One header line as it goes on the wire: the value as text (encoded as asked) or as exact bytes. */
export type RawHeader = readonly [name: string, value: string | Buffer];

export interface RawRequest {
  readonly method: string;
  readonly path: string;
  /** Header lines in order; a name may appear several times. Host and Connection are added. */
  readonly headers: readonly RawHeader[];
  /** How text values become bytes: latin1 (one byte per character) by default. */
  readonly encoding?: 'latin1' | 'utf8';
}

export interface RawResponse {
  /** The status of the status line, or 0 when none arrived. */
  readonly status: number;
  /** Lowercase header name to its values, one per header line. */
  readonly headers: Readonly<Record<string, readonly string[]>>;
  readonly body: string;
  /** The socket error code, if the connection failed (e.g. ECONNRESET). */
  readonly error: string | undefined;
  /** Milliseconds from the first byte written to the end of the answer. */
  readonly ms: number;
}

/**
 * Sends one HTTP/1.1 request over a fresh TCP connection exactly as given, byte
 * for byte: repeated header lines, non-ASCII bytes and values far over Node's
 * header limit all go out as written, which Node's http client (and supertest)
 * would refuse or rewrite. `Connection: close`, so the answer ends with the
 * connection.
 */
export function rawRequest(port: number, request: RawRequest, timeoutMs = 5000) {
  return rawExchange(port, encodeRequest(port, request, 'close'), timeoutMs);
}

/**
 * Sends requests pipelined on one connection, all written before any answer
 * arrives (the last one closes it), and reads one answer per request. Each
 * answer must carry a Content-Length.
 */
export async function pipelinedRequests(
  port: number,
  requests: readonly RawRequest[],
  timeoutMs = 5000,
): Promise<RawResponse[]> {
  const bytes = requests.map((request, at) =>
    encodeRequest(port, request, at === requests.length - 1 ? 'close' : 'keep-alive'),
  );
  const { raw, error, ms } = await exchange(port, Buffer.concat(bytes), timeoutMs);
  const responses: RawResponse[] = [];
  let rest = raw;
  while (responses.length < requests.length) {
    const headEnd = rest.indexOf('\r\n\r\n');
    if (headEnd < 0) break;
    const length = Number(parseResponse(rest, error, ms).headers['content-length']?.[0] ?? 0);
    responses.push(parseResponse(rest.subarray(0, headEnd + 4 + length), error, ms));
    rest = rest.subarray(headEnd + 4 + length);
  }
  return responses;
}

function encodeRequest(port: number, request: RawRequest, connection: string): Buffer {
  const encoding = request.encoding ?? 'latin1';
  const lines: Buffer[] = [
    Buffer.from(
      `${request.method} ${request.path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: ${connection}\r\n`,
      'latin1',
    ),
  ];
  for (const [name, value] of request.headers) {
    lines.push(
      Buffer.from(`${name}: `, 'latin1'),
      typeof value === 'string' ? Buffer.from(value, encoding) : value,
      Buffer.from('\r\n', 'latin1'),
    );
  }
  lines.push(Buffer.from('\r\n', 'latin1'));
  return Buffer.concat(lines);
}

/** Writes the bytes and reads until the server closes the connection (or it fails). */
export async function rawExchange(
  port: number,
  bytes: Buffer,
  timeoutMs = 5000,
): Promise<RawResponse> {
  const { raw, error, ms } = await exchange(port, bytes, timeoutMs);
  return parseResponse(raw, error, ms);
}

function exchange(
  port: number,
  bytes: Buffer,
  timeoutMs: number,
): Promise<{ raw: Buffer; error: string | undefined; ms: number }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let error: string | undefined;
    let finished = false;
    const start = performance.now();
    const socket = net.connect({ port, host: '127.0.0.1' }, () => {
      socket.write(bytes, () => undefined);
    });
    const finish = () => {
      if (finished) return;
      finished = true;
      clearTimeout(timer);
      resolve({ raw: Buffer.concat(chunks), error, ms: performance.now() - start });
    };
    const timer = setTimeout(() => {
      error ??= 'TIMEOUT';
      socket.destroy();
      finish();
    }, timeoutMs);
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', (e: NodeJS.ErrnoException) => {
      error ??= e.code ?? e.message;
    });
    socket.on('end', finish);
    socket.on('close', finish);
  });
}

function parseResponse(raw: Buffer, error: string | undefined, ms: number): RawResponse {
  const text = raw.toString('latin1');
  const headEnd = text.indexOf('\r\n\r\n');
  const head = headEnd < 0 ? text : text.slice(0, headEnd);
  const [statusLine = '', ...headerLines] = head.split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  const headers: Record<string, string[]> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    (headers[name] ??= []).push(line.slice(colon + 1).trim());
  }
  return {
    status: status ? Number(status[1]) : 0,
    headers,
    body: headEnd < 0 ? '' : text.slice(headEnd + 4),
    error,
    ms,
  };
}

/** Starts the app listening on an ephemeral loopback port and returns the port. */
export async function listen(app: INestApplication): Promise<number> {
  await app.listen(0, '127.0.0.1');
  return (app.getHttpServer().address() as AddressInfo).port;
}

/** The median of some durations. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}
