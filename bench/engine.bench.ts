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
 * A thousand decisions, the last one returned so that the compiler cannot
 * drop the work. Each case's loop is compiled from its own source text: cases
 * that shared a loop, or a closure, would share V8's feedback for it, and
 * whichever case ran first would get code specialised for its own values; at
 * 20-50 ns a decision, that (not the engine) decided the ratios, which moved
 * from 0.5 to 1.5 between processes and followed the order of the cases.
 */
type Loop = () => unknown;

/** A case: `step` is a statement that sets `last` from `i`, over the names in `scope`. */
interface Case {
  readonly name: string;
  readonly loop: Loop;
}

function compiledCase(name: string, step: string, scope: Record<string, unknown>): Case {
  const make = new Function(
    ...Object.keys(scope),
    `return () => { let last; for (let i = 0; i < 1000; i++) { ${step} } return last; };`,
  ) as (...values: unknown[]) => Loop;
  return { name, loop: make(...Object.values(scope)) };
}

let kept: unknown;

function measure(loop: Loop, milliseconds: number): number {
  let count = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < milliseconds) {
    kept = loop();
    count += 1_000;
    elapsed = performance.now() - start;
  }
  if (kept === undefined) throw new Error('a case returned nothing');
  return Math.round((count / elapsed) * 1000);
}

function origins(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `https://app${i}.example.com`);
}

/**
 * A header value as Node's HTTP parser hands it over: a flat string of its own,
 * copied from the bytes received. The list's entries are templates, which V8
 * keeps as ropes, and a rope compares more slowly than any request's Origin.
 */
const asReceived = (value: string) => Buffer.from(value, 'latin1').toString('latin1');

/** Four allowed origins from across the list, taken in turn: requests do not all bring the same one. */
function allowedOrigins(list: readonly string[]): string[] {
  const at = (fraction: number) => list[Math.floor((list.length - 1) * fraction)];
  return [at(0), at(1 / 3), at(2 / 3), at(1)].map(asReceived);
}

const refusedOrigin = asReceived('https://evil.example');

function engineCases(size: number): Case[] {
  const list = origins(size);
  const allowed = allowedOrigins(list);
  const { policy } = compileCorsPolicy({ origin: list, credentials: true, maxAge: 600 });
  const preflights = allowed.map((origin) => ({
    origin,
    method: 'PUT',
    headers: 'content-type,x-trace',
  }));
  const scope = { decideActual, decidePreflight, policy, allowed, refusedOrigin, preflights };
  return [
    compiledCase('allowed', 'last = decideActual(policy, allowed[i & 3]);', scope),
    compiledCase('refused', 'last = decideActual(policy, refusedOrigin);', scope),
    compiledCase('preflight', 'last = decidePreflight(policy, preflights[i & 3]);', scope),
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
  const scope = { middleware, response, allowed, refusedOrigin, next: () => undefined };
  const call = (method: string, headers: string) =>
    `last = response(); middleware({ method: '${method}', headers: ${headers} }, last, next);`;
  return [
    compiledCase('allowed', call('GET', '{ origin: allowed[i & 3] }'), scope),
    compiledCase('refused', call('GET', '{ origin: refusedOrigin }'), scope),
    compiledCase(
      'preflight',
      call(
        'OPTIONS',
        `{
          origin: allowed[i & 3],
          'access-control-request-method': 'PUT',
          'access-control-request-headers': 'content-type,x-trace',
        }`,
      ),
      scope,
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
// compiles an allowed decision also varies from one process to the next
// (10 or 16 ns). Within a process every case is warmed up, then all are
// measured in interleaved rounds, so that a round a GC or the machine slowed
// down is one sample among several.
const size = Number(process.argv[2]);
if (!Number.isInteger(size) || size < 1) throw new Error('usage: engine.bench.js <origins>');
const all: Array<Case & { row: string; samples: number[] }> = [];
for (const [engine, cases] of [
  ['nestjs-cors', engineCases(size)],
  ['cors package', corsPackageCases(size)],
] as const) {
  for (const { name, loop } of cases)
    all.push({ row: `${engine}, ${size} origins`, name, loop, samples: [] });
}
for (const { loop } of all) measure(loop, 100);
for (let round = 0; round < ROUNDS; round++) {
  for (const entry of all) entry.samples.push(measure(entry.loop, 50));
}
const results: Record<string, Record<string, number>> = {};
for (const { row, name, samples } of all) (results[row] ??= {})[name] = median(samples);
process.stdout.write(JSON.stringify(results));
