import autocannon from 'autocannon';
import { DYNAMIC_ORIGIN_SUFFIX, type Variant } from './bench-app.js';

export interface Workload {
  readonly name: string;
  readonly method: 'GET' | 'OPTIONS';
  readonly headers: Record<string, string>;
}

export const WORKLOADS: readonly Workload[] = [
  { name: 'actual allowed', method: 'GET', headers: { origin: 'https://b.example.com' } },
  {
    name: 'preflight',
    method: 'OPTIONS',
    headers: {
      origin: 'https://b.example.com',
      'access-control-request-method': 'PUT',
      'access-control-request-headers': 'content-type,x-trace',
    },
  },
  { name: 'actual disallowed', method: 'GET', headers: { origin: 'https://evil.example' } },
];

/** The variants every workload compares. */
const COMPARED: readonly Variant[] = ['none', 'enable-cors', 'library', 'library-overrides'];

/**
 * The variants measured on `workload`: the compared ones, and on an allowed
 * actual request the reference, the floor any CORS layer pays for its headers.
 */
export function variantsMeasuredOn(workload: Workload): readonly Variant[] {
  return workload === WORKLOADS[0] ? [...COMPARED, 'headers-only'] : COMPARED;
}

/** A request like each of the memory run's: an Origin not seen before, which its origin function allows. */
export const NEW_ORIGIN: Workload = {
  name: 'a new origin',
  method: 'GET',
  headers: { origin: `https://new${DYNAMIC_ORIGIN_SUFFIX}` },
};

export interface LoadResult {
  readonly requestsPerSecond: number;
  readonly errors: number;
  readonly statuses: Record<string, number>;
}

const CONNECTIONS = 32;

/** One run of `workload` against `url`, with autocannon options of its own. */
async function drive(
  url: string,
  workload: Workload,
  how: Omit<autocannon.Options, 'url'>,
): Promise<LoadResult> {
  const result = await autocannon({
    url,
    method: workload.method,
    headers: workload.headers,
    connections: CONNECTIONS,
    ...how,
  });
  return summarize(result);
}

/** Drives `url` for `seconds` from this process and returns the mean requests per second. */
export function load(url: string, workload: Workload, seconds: number): Promise<LoadResult> {
  return drive(url, workload, { duration: seconds });
}

/**
 * Sends `count` requests over a few connections (for a server under
 * valgrind, which answers a few hundred a second).
 */
export function loadCount(url: string, workload: Workload, count: number): Promise<LoadResult> {
  return drive(url, workload, { connections: 4, amount: count, timeout: 60 });
}

let nextOrigin = 0;

/** Sends `count` requests, each with an Origin this process has not sent before (for the memory run). */
export async function loadDistinctOrigins(url: string, count: number): Promise<LoadResult> {
  const result = await autocannon({
    url,
    connections: CONNECTIONS,
    amount: count,
    requests: [
      {
        setupRequest: (request) => ({
          ...request,
          headers: {
            ...request.headers,
            origin: `https://user${nextOrigin++}${DYNAMIC_ORIGIN_SUFFIX}`,
          },
        }),
      },
    ],
  });
  return summarize(result);
}

function summarize(result: autocannon.Result): LoadResult {
  const statuses: Record<string, number> = {};
  for (const [code, count] of Object.entries(result.statusCodeStats ?? {}))
    statuses[code] = count?.count ?? 0;
  return {
    requestsPerSecond: result.requests.average,
    errors: result.errors + result.timeouts,
    statuses,
  };
}
