import cors from 'cors';
import { performance } from 'node:perf_hooks';
import { compileCorsPolicy, decideActual, decidePreflight } from '../lib/engine/index.js';

/**
 * The policy engine alone: decisions per second for an allowed actual request,
 * a refused one and a preflight, with 3 and with 1,000 exact origins, next to
 * the same work done by the `cors` package (which rebuilds its headers on every
 * request). Prints one JSON object.
 */

type Case = { name: string; run: () => void };

function measure(run: () => void, milliseconds = 400): number {
  for (let i = 0; i < 20_000; i++) run(); // warm-up
  let count = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < milliseconds) {
    for (let i = 0; i < 1_000; i++) run();
    count += 1_000;
    elapsed = performance.now() - start;
  }
  return Math.round((count / elapsed) * 1000);
}

function origins(count: number): string[] {
  return Array.from({ length: count }, (_, i) => `https://app${i}.example.com`);
}

function engineCases(size: number): Case[] {
  const list = origins(size);
  const allowed = list[Math.floor(size / 2)];
  const { policy } = compileCorsPolicy({ origin: list, credentials: true, maxAge: 600 });
  const preflight = { origin: allowed, method: 'PUT', headers: 'content-type,x-trace' };
  return [
    { name: 'allowed', run: () => decideActual(policy, allowed) },
    { name: 'refused', run: () => decideActual(policy, 'https://evil.example') },
    { name: 'preflight', run: () => decidePreflight(policy, preflight) },
  ];
}

/** The `cors` middleware against a minimal request and response, as express would call it. */
function corsPackageCases(size: number): Case[] {
  const list = origins(size);
  const allowed = list[Math.floor(size / 2)];
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
  const call = (method: string, headers: Record<string, string>) => () =>
    middleware({ method, headers } as never, response() as never, () => undefined);
  return [
    { name: 'allowed', run: call('GET', { origin: allowed }) },
    { name: 'refused', run: call('GET', { origin: 'https://evil.example' }) },
    {
      name: 'preflight',
      run: call('OPTIONS', {
        origin: allowed,
        'access-control-request-method': 'PUT',
        'access-control-request-headers': 'content-type,x-trace',
      }),
    },
  ];
}

const results: Record<string, Record<string, number>> = {};
for (const size of [3, 1000]) {
  for (const [engine, cases] of [
    ['nestjs-cors', engineCases(size)],
    ['cors package', corsPackageCases(size)],
  ] as const) {
    for (const { name, run } of cases) {
      (results[`${engine}, ${size} origins`] ??= {})[name] = measure(run);
    }
  }
}
process.stdout.write(JSON.stringify(results));
