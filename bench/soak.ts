import autocannon from 'autocannon';
import { readFileSync } from 'node:fs';
import { resultsFile, writeReport, type BenchResults, type SoakResult } from './report.js';
import { settledRss, startServerForMemory, stop } from './servers.js';

/**
 * `npm run soak [-- --seconds N]`: 100 connections of mixed preflights, allowed
 * and refused actual requests against the library on each adapter. Fails on
 * any error, any unexpected status, or RSS growing by more than 10% between
 * the end of the warm-up and the end of the run. Its numbers go into
 * bench/RESULTS.md.
 */

const secondsArg = process.argv.indexOf('--seconds');
const SECONDS = secondsArg > 0 ? Number(process.argv[secondsArg + 1]) : 30;
const CONNECTIONS = 100;
const ORIGIN = 'https://b.example.com';

/** autocannon cycles through these on every connection. */
const MIX: autocannon.Request[] = [
  { method: 'GET', path: '/bench/items', headers: { origin: ORIGIN } },
  {
    method: 'OPTIONS',
    path: '/bench/items',
    headers: {
      origin: ORIGIN,
      'access-control-request-method': 'PUT',
      'access-control-request-headers': 'content-type,x-trace',
    },
  },
  { method: 'GET', path: '/bench/items', headers: { origin: 'https://evil.example' } },
  {
    method: 'OPTIONS',
    path: '/bench/items',
    headers: { origin: 'https://evil.example', 'access-control-request-method': 'PUT' },
  },
];
/** 200 for actual requests, allowed or not; 204 and 403 for preflights. */
const EXPECTED_STATUSES = new Set(['200', '204', '403']);

async function soak(adapter: string): Promise<SoakResult> {
  const server = await startServerForMemory(adapter, 'library');
  const run = (seconds: number) =>
    autocannon({ url: server.url, connections: CONNECTIONS, duration: seconds, requests: MIX });
  await run(10); // warm-up
  const rssAfterWarmUp = await settledRss(server);
  const result = await run(SECONDS);
  const rssAtEnd = await settledRss(server);
  await stop(server);
  const statuses = Object.fromEntries(
    Object.entries(result.statusCodeStats ?? {}).map(([code, stats]) => [code, stats?.count ?? 0]),
  );
  return {
    seconds: SECONDS,
    connections: CONNECTIONS,
    requests: result.requests.total,
    requestsPerSecond: result.requests.average,
    errors: result.errors + result.timeouts,
    unexpectedStatuses: Object.entries(statuses)
      .filter(([code]) => !EXPECTED_STATUSES.has(code))
      .reduce((sum, [, count]) => sum + count, 0),
    statuses,
    rssAfterWarmUp,
    rssAtEnd,
  };
}

async function main() {
  const soaks: Record<string, SoakResult> = {};
  for (const adapter of ['express', 'fastify']) {
    process.stdout.write(`soak: ${adapter}, ${CONNECTIONS} connections, ${SECONDS} s\n`);
    soaks[adapter] = await soak(adapter);
    process.stdout.write(`${JSON.stringify(soaks[adapter])}\n`);
  }
  // The soak's numbers join those of the last `npm run bench` in RESULTS.md.
  const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as BenchResults;
  writeReport({ ...results, soak: soaks });
  const failures = Object.entries(soaks).flatMap(([adapter, s]) => [
    ...(s.errors > 0 ? [`${adapter}: ${s.errors} errors`] : []),
    ...(s.unexpectedStatuses > 0
      ? [`${adapter}: ${s.unexpectedStatuses} unexpected statuses`]
      : []),
    ...(s.rssAtEnd > s.rssAfterWarmUp * 1.1 ? [`${adapter}: RSS grew more than 10%`] : []),
  ]);
  if (failures.length > 0) throw new Error(`soak failed: ${failures.join('; ')}`);
  process.stdout.write('soak passed\n');
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
