import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { answersOtherThan, checkAnswer, refuseOtherAnswers } from './answers.js';
import type { Variant } from './bench-app.js';
import {
  load,
  loadDistinctOrigins,
  NEW_ORIGIN,
  variantsMeasuredOn,
  WORKLOADS,
  type Workload,
} from './load.js';
import { machineDescription, resultsFile, writeReport, type BenchResults } from './report.js';
import {
  hasTaskset,
  pause,
  resume,
  settledRss,
  startServer,
  startServerForMemory,
  stop,
  type Server,
} from './servers.js';

/**
 * `npm run bench [-- --quick]`. Every app variant runs in its own processes,
 * pinned to one core where taskset exists; the load comes from this process,
 * pinned to the other. Variants are measured in interleaved rounds
 * (A B C D, A B C D, ...) and compared by their medians. Each variant runs in
 * several processes: two processes of the same app measured 8% apart over the
 * same rounds, so one process is one draw.
 */

const quick = process.argv.includes('--quick');
// autocannon counts whole seconds.
const SECONDS = 1;
// Express's samples move by about 10% from one second to the next, the same
// for every process on the core (the VM's speed): three rounds rather than two.
const ROUNDS = quick ? 2 : 3;
// --quick measures without warming up: of two rounds the median keeps the faster, warm one.
const WARM_UP_SECONDS = quick ? 0 : 1;
const PROCESSES = quick ? 1 : 3;
const ENGINE_PROCESSES = quick ? 1 : 5;
const DISTINCT_ORIGINS = quick ? 10_000 : 200_000;
const ADAPTERS = ['express', 'fastify'] as const;

const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

type Processes = ReadonlyMap<string, readonly Server[]>;

/** How a variant runs; `processes` defaults to PROCESSES. */
interface Launch {
  readonly processes?: number;
}

async function startProcesses(
  adapter: string,
  variant: Variant,
  routes: number,
  { processes = PROCESSES }: Launch = {},
): Promise<Server[]> {
  return Promise.all(
    Array.from({ length: processes }, () => startServer(adapter, variant, routes)),
  );
}

/** Starts every named variant's processes side by side; the Map keeps the order given. */
async function startAll(
  adapter: string,
  specs: ReadonlyArray<readonly [string, Variant, number, Launch?]>,
): Promise<Processes> {
  const started = await Promise.all(
    specs.map(
      async ([name, variant, routes, launch]) =>
        [name, await startProcesses(adapter, variant, routes, launch)] as const,
    ),
  );
  return new Map(started);
}

const stopAll = (processes: Processes) => Promise.all([...processes.values()].flat().map(stop));

/**
 * Medians of requests/second per variant over all its processes, measured in
 * interleaved rounds. Only the server being measured runs, unless
 * `pauseOthers` is false: a stopped process does on resuming what it would
 * have done while idle, and for an app with a large heap that is about a
 * second of garbage collection, which then lands in its sample.
 */
async function compare(
  processes: Processes,
  workload: Workload,
  path: string,
  warmUpSeconds: number,
  pauseOthers = true,
): Promise<Record<string, number>> {
  const samples = new Map<string, number[]>();
  const all = [...processes.values()].flat();
  if (pauseOthers) all.forEach(pause);
  /** Runs `work` against one server, the only one running when the others are paused. */
  const alone = async <T>(server: Server, work: () => Promise<T>): Promise<T> => {
    if (pauseOthers) resume(server);
    const result = await work();
    if (pauseOthers) pause(server);
    return result;
  };
  const measure = (server: Server, seconds: number) =>
    alone(server, () => load(server.url + path, workload, seconds));
  for (const [name, servers] of processes)
    for (const server of servers)
      await alone(server, () => checkAnswer(name, server, workload, path));
  if (warmUpSeconds > 0) for (const server of all) await measure(server, warmUpSeconds);
  for (let round = 0; round < ROUNDS; round++) {
    for (let instance = 0; instance < PROCESSES; instance++) {
      for (const [name, servers] of processes) {
        if (instance >= servers.length) continue;
        const server = servers[instance];
        const result = await measure(server, SECONDS);
        refuseOtherAnswers(name, server.variant, workload, result);
        samples.set(name, [...(samples.get(name) ?? []), result.requestsPerSecond]);
      }
    }
  }
  return Object.fromEntries([...samples].map(([name, values]) => [name, median(values)]));
}

/**
 * RSS after a GC, before and after requests that each carry an Origin never
 * seen before. Half as many go first, so that the allocator's arenas and the
 * caches have reached their working size: what grows after that is what the
 * new origins keep. The server is not pinned: RSS does not depend on the core,
 * and the library's and the no-CORS app's memory runs go side by side, one
 * on each core (on express they took 150 of the full run's 530 s in turn).
 */
async function rssGrowth(
  adapter: string,
  variant: Variant,
): Promise<BenchResults['memory'][string]> {
  const server = await startServerForMemory(adapter, variant, { pinned: false });
  await checkAnswer(`${adapter} ${variant}`, server, NEW_ORIGIN, '/bench/items');
  await loadDistinctOrigins(`${server.url}/bench/items`, DISTINCT_ORIGINS / 2);
  // Settled reads, as the soak takes them: a read at once after the load catches V8 handing
  // memory back, and moved express's growth by 15 MiB between runs, CORS or not, its heap flat.
  const rssBefore = await settledRss(server);
  const run = await loadDistinctOrigins(`${server.url}/bench/items`, DISTINCT_ORIGINS);
  const rssAfter = await settledRss(server);
  await stop(server);
  // Every origin is allowed (without CORS, simply served): any other answer was other work.
  const wrong = answersOtherThan(run.statuses, 200);
  if (wrong > 0)
    throw new Error(`${adapter}/${variant}: ${wrong} answers other than 200 in the memory run`);
  return { requests: DISTINCT_ORIGINS, errors: run.errors, rssBefore, rssAfter };
}

/** Each list size in processes of its own, in turn; each decision's median over those processes. */
function engineDecisions(): BenchResults['engine'] {
  const script = new URL('./engine.bench.js', import.meta.url).pathname;
  const runOnce = (size: number) => {
    const args = [process.execPath, script, String(size)];
    const output = hasTaskset
      ? execFileSync('taskset', ['-c', '1', ...args])
      : execFileSync(args[0], args.slice(1));
    return JSON.parse(output.toString()) as BenchResults['engine'];
  };
  const runs: Array<BenchResults['engine']> = [];
  for (let pass = 0; pass < ENGINE_PROCESSES; pass++) runs.push(runOnce(3), runOnce(1000));
  const engine: BenchResults['engine'] = {};
  for (const row of new Set(runs.flatMap((run) => Object.keys(run)))) {
    const ofRow = runs.filter((run) => row in run).map((run) => run[row]);
    engine[row] = Object.fromEntries(
      Object.keys(ofRow[0]).map((decision) => [
        decision,
        median(ofRow.map((byDecision) => byDecision[decision])),
      ]),
    );
  }
  return engine;
}

const benchStarted = Date.now();
const elapsedSeconds = () => Math.round((Date.now() - benchStarted) / 1000);
/** A phase starts; the elapsed time shows where the ten minutes go. */
const progress = (phase: string) => process.stdout.write(`[${elapsedSeconds()} s] ${phase}\n`);

async function main() {
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
    const processes = await startAll(
      adapter,
      variantsMeasuredOn(WORKLOADS[0]).map((variant) => [variant, variant, 20] as const),
    );
    for (const workload of WORKLOADS) {
      progress(`${adapter}: ${workload.name}`);
      const variants = new Set<string>(variantsMeasuredOn(workload));
      const measured = new Map([...processes].filter(([name]) => variants.has(name)));
      const medians = await compare(measured, workload, '/bench/items', WARM_UP_SECONDS);
      (results.throughput[adapter] ??= {})[workload.name] = medians;
    }
    await stopAll(processes);

    progress(`${adapter}: preflight with 20 and 10,000 other routes`);
    const scaling = await startAll(adapter, [
      ['20 routes', 'library', 20],
      ['10,000 routes', 'library', 10_000],
      // The same app without CORS (its OPTIONS requests get 404s): what the route count costs the
      // framework. A reference, in one process each, which keeps the full run under ten minutes.
      ['no CORS, 20 routes', 'none', 20, { processes: 1 }],
      ['no CORS, 10,000 routes', 'none', 10_000, { processes: 1 }],
    ]);
    // Longer warm-up: 10,000 routes leave much bootstrap garbage for the first GCs. The
    // processes idle between their samples instead of being stopped: a stopped 10,000-route app
    // spends about its first second after resuming on the collection it put off (read 0.76 of the
    // 20-route one on express this way, 0.96 with a second's rest after resuming).
    results.scaling[adapter] = await compare(
      scaling,
      WORKLOADS[1],
      '/bench/items',
      2 * WARM_UP_SECONDS,
      false,
    );
    await stopAll(scaling);

    progress(`${adapter}: RSS over ${DISTINCT_ORIGINS} distinct origins`);
    [results.memory[adapter], results.memoryWithoutCors[adapter]] = await Promise.all([
      rssGrowth(adapter, 'library-dynamic'),
      rssGrowth(adapter, 'none'),
    ]);
  }

  progress('engine micro-benchmark');
  results.engine = engineDecisions();

  results.machine = machine(hasTaskset, elapsedSeconds());
  // Keep the numbers of the last `npm run soak` and `npm run bench:instructions`, run on their own.
  if (existsSync(resultsFile)) {
    const { soak, instructions } = JSON.parse(readFileSync(resultsFile, 'utf8')) as BenchResults;
    Object.assign(results, { soak, instructions });
  }
  const { markdown } = writeReport(results);
  process.stdout.write(`\n${markdown}\n`);
}

function machine(pinned: boolean, seconds: number): BenchResults['machine'] {
  return {
    ...machineDescription(),
    pinned,
    seconds,
    processesPerVariant: PROCESSES,
    rounds: ROUNDS,
    secondsPerSample: SECONDS,
  };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
