import cors from 'cors';
import { performance } from 'node:perf_hooks';
import { compileCorsPolicy, decideActual, decidePreflight } from '../lib/engine/index.js';

/**
 * The policy engine alone: decisions per second for an allowed actual request,
 * a refused one and a preflight, with 3 and with 1,000 exact origins, next to
 * the same work done by the `cors` package (which rebuilds its headers on every
 * request). Prints one JSON object for the list size it is given.
 */

/**
 * One decision per request value in a batch, the last one returned so that the
 * compiler cannot drop the work. Each case's loop is compiled from its own
 * source text: cases that shared a loop, or a closure, would share V8's
 * feedback for it, and whichever case ran first would get code specialised for
 * its own values; at 20-50 ns a decision, that (not the engine) decided the
 * ratios, which moved from 0.5 to 1.5 between processes and followed the order
 * of the cases.
 */
type Loop = (batch: readonly unknown[]) => unknown;

/** A case: its compiled loop, and what makes a batch of fresh request values for it. */
interface Case {
  readonly name: string;
  readonly loop: Loop;
  readonly batch: () => unknown[];
}

/**
 * Compiles a case's loop: `step` is a statement that sets `last` from `request`
 * (one value of the batch), over the names in `scope`.
 */
function compiledCase(
  name: string,
  step: string,
  scope: Record<string, unknown>,
  batch: () => unknown[],
): Case {
  const make = new Function(
    ...Object.keys(scope),
    `return (batch) => { let last; for (let i = 0; i < batch.length; i++) { const request = batch[i]; ${step} } return last; };`,
  ) as (...values: unknown[]) => Loop;
  return { name, loop: make(...Object.values(scope)), batch };
}

const BATCH = 4096;

let kept: unknown;

/** Decisions per second over fresh batches; only the decisions are timed, not making the batches. */
function measure({ loop, batch }: Case, milliseconds: number): number {
  let count = 0;
  let elapsed = 0;
  while (elapsed < milliseconds) {
    const requests = batch();
    const start = performance.now();
    kept = loop(requests);
    elapsed += performance.now() - start;
    count += requests.length;
  }
  if (kept === undefined) throw new Error('a case returned nothing');
  return Math.round((count / elapsed) * 1000);
}

function origins(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `https://app${i}.example.com`);
}

/**
 * Header values as Node's HTTP parser hands them over: a new string per
 * request, copied from the bytes received. A decision on a string used before
 * would find its hash already computed (V8 keeps it in the string), which no
 * request's Origin ever has; and the list's own entries are templates, which
 * V8 keeps as ropes, slower to compare than any request's value.
 */
function received(...values: string[]): (at: number) => string {
  const bytes = values.map((value) => Buffer.from(value, 'latin1'));
  return (at) => bytes[at % bytes.length].toString('latin1');
}

const batchOf =
  <T>(make: (at: number) => T) =>
  () =>
    Array.from({ length: BATCH }, (_, at) => make(at));

/** Four allowed origins from across the list, taken in turn: requests do not all bring the same one. */
function allowedOrigins(list: readonly string[]): (at: number) => string {
  const at = (fraction: number) => list[Math.floor((list.length - 1) * fraction)];
  return received(at(0), at(1 / 3), at(2 / 3), at(1));
}

/**
 * Refused origins taken in turn, as for allowed ones: a single one measured the
 * length of the one hash bucket it fell into, which the hash seed picks anew in
 * every process (1,000 origins decided its refusals at 0.83-1.05 of 3 from one
 * run to the next).
 */
const refusedOrigin = received(
  'https://evil.example',
  'http://app1.example.com',
  'https://app1.example.com.attacker.test',
  'https://app1-example.com',
);
const preflightMethod = received('PUT');
const requestedHeaders = received('content-type,x-trace');

function engineCases(size: number): Case[] {
  const list = origins(size);
  const allowed = allowedOrigins(list);
  const { policy } = compileCorsPolicy({ origin: list, credentials: true, maxAge: 600 });
  const scope = { decideActual, decidePreflight, policy };
  return [
    compiledCase('allowed', 'last = decideActual(policy, request);', scope, batchOf(allowed)),
    compiledCase('refused', 'last = decideActual(policy, request);', scope, batchOf(refusedOrigin)),
    compiledCase(
      'preflight',
      'last = decidePreflight(policy, request);',
      scope,
      batchOf((at) => ({
        origin: allowed(at),
        method: preflightMethod(at),
        headers: requestedHeaders(at),
      })),
    ),
  ];
}

/** The `cors` middleware against a minimal request and response, as express would call it. */
function corsPackageCases(size: number): Case[] {
  const list = origins(size);
  const allowed = allowedOrigins(list);
  const middleware = cors({ origin: list, credentials: true, maxAge: 600 });
  const response = () => {
    const headers: Record<string, unknown> = {};
    return {
      statusCode: 200,
      getHeader: (name: string) => headers[name.toLowerCase()],
      setHeader: (name: string, value: unknown) => void (headers[name.toLowerCase()] = value),
      end: () => undefined,
    };
  };
  const scope = { middleware, response, next: () => undefined };
  const step = 'last = response(); middleware(request, last, next);';
  const actual = (origin: (at: number) => string) =>
    batchOf((at) => ({ method: 'GET', headers: { origin: origin(at) } }));
  return [
    compiledCase('allowed', step, scope, actual(allowed)),
    compiledCase('refused', step, scope, actual(refusedOrigin)),
    compiledCase(
      'preflight',
      step,
      scope,
      batchOf((at) => ({
        method: 'OPTIONS',
        headers: {
          origin: allowed(at),
          'access-control-request-method': preflightMethod(at),
          'access-control-request-headers': requestedHeaders(at),
        },
      })),
    ),
  ];
}

const ROUNDS = 5;
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

// One list size per process (`node engine.bench.js 3`): measured in one
// process, the cases of one size ran faster than the other's, and which one
// followed the order they were made in (alone, each decides at the same
// speed). The caller runs each size in several processes, since how V8
// compiles a decision also varies from one process to the next, and so does
// the hash seed, which decides how many other origins share a bucket with the
// ones measured. Within a process every case is warmed up, then all are
// measured in interleaved rounds, so that a round a GC or the machine slowed
// down is one sample among several.
const size = Number(process.argv[2]);
if (!Number.isInteger(size) || size < 1) throw new Error('usage: engine.bench.js <origins>');
const all: Array<Case & { row: string; samples: number[] }> = [];
for (const [engine, cases] of [
  ['nestjs-cors', engineCases(size)],
  ['cors package', corsPackageCases(size)],
] as const) {
  for (const each of cases) all.push({ ...each, row: `${engine}, ${size} origins`, samples: [] });
}
for (const entry of all) measure(entry, 60);
for (let round = 0; round < ROUNDS; round++) {
  for (const entry of all) entry.samples.push(measure(entry, 40));
}
const results: Record<string, Record<string, number>> = {};
for (const { row, name, samples } of all) (results[row] ??= {})[name] = median(samples);
process.stdout.write(JSON.stringify(results));
