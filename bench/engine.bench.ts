import cors from 'cors';
import { performance } from 'node:perf_hooks';
import { compileCorsPolicy, decideActual, decidePreflight } from '../lib/engine/index.js';

/**
 * The policy engine alone: decisions per second for an allowed actual request,
 * a refused one and a preflight, with 3 and with 1,000 exact origins, next to
 * the same work done by the `cors` package (which rebuilds its headers on every
 * request). Prints one JSON object.
 */

/** One decision per call; the caller keeps the result, so that the compiler cannot drop the work. */
type Case = { name: string; run: (i: number) => unknown };

let kept: unknown;

function measure(run: (i: number) => unknown, milliseconds: number): number {
  let count = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < milliseconds) {
    for (let i = 0; i < 1_000; i++) kept = run(i);
    count += 1_000;
    elapsed = performance.now() - start;
  }
  if (kept === undefined) throw new Error('a case returned nothing');
  return Math.round((count / elapsed) * 1000);
}

function origins(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `https://app${i}.example.com`);
}

/** Four allowed origins from across the list, taken in turn: requests do not all bring the same one. */
function allowedOrigins(list: readonly string[]): string[] {
  const at = (fraction: number) => list[Math.floor((list.length - 1) * fraction)];
  return [at(0), at(1 / 3), at(2 / 3), at(1)];
}

function engineCases(size: number): Case[] {
  const list = origins(size);
  const allowed = allowedOrigins(list);
  const { policy } = compileCorsPolicy({ origin: list, credentials: true, maxAge: 600 });
  const preflights = allowed.map((origin) => ({
    origin,
    method: 'PUT',
    headers: 'content-type,x-trace',
  }));
  return [
    { name: 'allowed', run: (i) => decideActual(policy, allowed[i & 3]) },
    { name: 'refused', run: () => decideActual(policy, 'https://evil.example') },
    { name: 'preflight', run: (i) => decidePreflight(policy, preflights[i & 3]) },
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
  const call = (method: string, headers: (i: number) => Record<string, string>) => (i: number) => {
    const res = response();
    middleware({ method, headers: headers(i) } as never, res as never, () => undefined);
    return res;
  };
  return [
    { name: 'allowed', run: call('GET', (i) => ({ origin: allowed[i & 3] })) },
    { name: 'refused', run: call('GET', () => ({ origin: 'https://evil.example' })) },
    {
      name: 'preflight',
      run: call('OPTIONS', (i) => ({
        origin: allowed[i & 3],
        'access-control-request-method': 'PUT',
        'access-control-request-headers': 'content-type,x-trace',
      })),
    },
  ];
}

const ROUNDS = 7;
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

// Every case is warmed up before any is measured, then all are measured in
// interleaved rounds: each sees the same JIT state (the decision functions
// have met every policy by then, as in a server with many), and a round that a
// GC or the machine slowed down is one sample among seven.
const all: Array<Case & { row: string; samples: number[] }> = [];
for (const size of [3, 1000]) {
  for (const [engine, cases] of [
    ['nestjs-cors', engineCases(size)],
    ['cors package', corsPackageCases(size)],
  ] as const) {
    for (const { name, run } of cases)
      all.push({ row: `${engine}, ${size} origins`, name, run, samples: [] });
  }
}
for (const { run } of all) for (let i = 0; i < 50_000; i++) kept = run(i);
for (let round = 0; round < ROUNDS; round++) {
  for (const entry of all) entry.samples.push(measure(entry.run, 80));
}
const results: Record<string, Record<string, number>> = {};
for (const { row, name, samples } of all) (results[row] ??= {})[name] = median(samples);
process.stdout.write(JSON.stringify(results));
