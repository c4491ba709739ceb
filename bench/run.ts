import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import type { Variant } from './bench-app.js';
import { load, loadDistinctOrigins, WORKLOADS, type Workload } from './load.js';
import { machineDescription, writeReport, type BenchResults } from './report.js';
import { hasTaskset, rssAfterGc, startServer, stop, type Server } from './servers.js';

/**
 * `npm run bench [-- --quick]`. Every app variant runs in its own process,
 * pinned to one core where taskset exists; the load comes from this process,
 * pinned to the other. Variants are measured in interleaved rounds
 * (A B C D, A B C D, ...) and compared by their medians.
 */

const quick = process.argv.includes('--quick');
const SECONDS = quick ? 1 : 1.5;
const ROUNDS = quick ? 3 : 5;
const DISTINCT_ORIGINS = quick ? 50_000 : 200_000;
const ADAPTERS = ['express', 'fastify'] as const;
const VARIANTS: readonly Variant[] = ['none', 'enable-cors', 'library', 'library-overrides'];
/** Measured for actual allowed requests only: the floor any CORS layer pays for its headers. */
const REFERENCE: Variant = 'headers-only';

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

/** Medians of requests/second per variant, measured in interleaved rounds. */
async function compare(
  servers: ReadonlyMap<string, Server>,
  workload: Workload,
  path: string,
  warmUpSeconds = 1,
): Promise<Record<string, number>> {
  const samples = new Map<string, number[]>();
  for (const server of servers.values()) await load(server.url + path, workload, warmUpSeconds);
  for (let round = 0; round < ROUNDS; round++) {
    for (const [name, server] of servers) {
      const result = await load(server.url + path, workload, SECONDS);
      if (result.errors > 0)
        throw new Error(`${name}: ${result.errors} errors under ${workload.name}`);
      samples.set(name, [...(samples.get(name) ?? []), result.requestsPerSecond]);
    }
  }
  return Object.fromEntries([...samples].map(([name, values]) => [name, median(values)]));
}

/** RSS after a GC, before and after requests that each carry an Origin never seen before. */
async function rssGrowth(
  adapter: string,
  variant: Variant,
): Promise<BenchResults['memory'][string]> {
  const server = await startServer(adapter, variant, 20);
  await loadDistinctOrigins(`${server.url}/bench/items`, 20_000);
  const rssBefore = await rssAfterGc(server);
  const run = await loadDistinctOrigins(`${server.url}/bench/items`, DISTINCT_ORIGINS);
  const rssAfter = await rssAfterGc(server);
  await stop(server);
  return { requests: DISTINCT_ORIGINS, errors: run.errors, rssBefore, rssAfter };
}

async function main() {
  const started = Date.now();
  const results: BenchResults = {
    quick,
    machine: {},
    throughput: {},
    scaling: {},
    memory: {},
    memoryWithoutCors: {},
    engine: {},
  };

  for (const adapter of ADAPTERS) {
    const servers = new Map<string, Server>();
    for (const variant of [...VARIANTS, REFERENCE]) {
      servers.set(variant, await startServer(adapter, variant, 20));
    }
    const withoutReference = new Map([...servers].filter(([name]) => name !== REFERENCE));
    for (const workload of WORKLOADS) {
      process.stdout.write(`${adapter}: ${workload.name}\n`);
      const measured = workload === WORKLOADS[0] ? servers : withoutReference;
      const medians = await compare(measured, workload, '/bench/items');
      (results.throughput[adapter] ??= {})[workload.name] = medians;
    }
    await Promise.all([...servers.values()].map(stop));

    process.stdout.write(`${adapter}: preflight with 20 and 10,000 other routes\n`);
    const scaling = new Map([
      ['20 routes', await startServer(adapter, 'library', 20)],
      ['10,000 routes', await startServer(adapter, 'library', 10_000)],
      // The same app without CORS (its OPTIONS requests get 404s): what the route count costs the framework.
      ['no CORS, 20 routes', await startServer(adapter, 'none', 20)],
      ['no CORS, 10,000 routes', await startServer(adapter, 'none', 10_000)],
    ]);
    // Longer warm-up: 10,000 routes leave much bootstrap garbage for the first GCs.
    results.scaling[adapter] = await compare(scaling, WORKLOADS[1], '/bench/items', 3);
    await Promise.all([...scaling.values()].map(stop));

    process.stdout.write(`${adapter}: RSS over ${DISTINCT_ORIGINS} distinct origins\n`);
    results.memory[adapter] = await rssGrowth(adapter, 'library-dynamic');
    results.memoryWithoutCors[adapter] = await rssGrowth(adapter, 'none');
  }

  process.stdout.write('engine micro-benchmark\n');
  const engineArgs = [new URL('./engine.bench.js', import.meta.url).pathname];
  const engineOutput = hasTaskset
    ? execFileSync('taskset', ['-c', '1', process.execPath, ...engineArgs])
    : execFileSync(process.execPath, engineArgs);
  results.engine = JSON.parse(engineOutput.toString());

  results.machine = machine(hasTaskset, Math.round((Date.now() - started) / 1000));
  // Keep the last soak's numbers, which `npm run soak` measures on its own.
  const previous = new URL('../../bench/results.json', import.meta.url);
  if (existsSync(previous))
    results.soak = (JSON.parse(readFileSync(previous, 'utf8')) as BenchResults).soak;
  const { markdown } = writeReport(results);
  process.stdout.write(`\n${markdown}\n`);
}

function machine(pinned: boolean, seconds: number): BenchResults['machine'] {
  return {
    ...machineDescription(),
    pinned,
    seconds,
    rounds: ROUNDS,
    secondsPerSample: SECONDS,
  };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
