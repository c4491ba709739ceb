import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { answerProblems, answersOtherThan, expectedStatus, fetchAnswer } from './answers.js';
import type { Variant } from './bench-app.js';
import { load, loadDistinctOrigins, NEW_ORIGIN, WORKLOADS, type Workload } from './load.js';
import { machineDescription, writeReport, type BenchResults } from './report.js';
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
const ROUNDS = 2;
// --quick measures without warming up: of two rounds the median keeps the faster, warm one.
const WARM_UP_SECONDS = quick ? 0 : 1;
const PROCESSES = quick ? 1 : 3;
const ENGINE_PROCESSES = quick ? 1 : 5;
const DISTINCT_ORIGINS = quick ? 10_000 : 200_000;
const ADAPTERS = ['express', 'fastify'] as const;
const VARIANTS: readonly Variant[] = ['none', 'enable-cors', 'library', 'library-overrides'];
/** Measured for actual allowed requests only: the floor any CORS layer pays for its headers. */
const REFERENCE: Variant = 'headers-only';

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
        const status = expectedStatus(server.variant, workload);
        const wrong = answersOtherThan(result.statuses, status);
        if (result.errors > 0 || wrong > 0)
          throw new Error(
            `${name}: ${result.errors} errors and ${wrong} answers other than ${status} under ${workload.name}`,
          );
        samples.set(name, [...(samples.get(name) ?? []), result.requestsPerSecond]);
      }
    }
  }
  return Object.fromEntries([...samples].map(([name, values]) => [name, median(values)]));
}

/** Refuses to measure a server that answers the workload otherwise than its variant must (answers.ts). */
async function checkAnswer(
  name: string,
  server: Server,
  workload: Workload,
  path: string,
): Promise<void> {
  const answer = await fetchAnswer(server.url + path, workload);
  const problems = answerProblems(server.variant, workload, answer);
  if (problems.length > 0)
    throw new Error(`${name} answers ${workload.name} wrongly; expected ${problems.join(', ')}`);
}

/**
 * RSS after a GC, before and after requests that each carry an Origin never
 * seen before. Half as many go first, so that the allocator's arenas and the
 * caches have reached their working size: what grows after that is what the
 * new origins keep.
 */
async function rssGrowth(
  adapter: string,
  variant: Variant,
): Promise<BenchResults['memory'][string]> {
  const server = await startServerForMemory(adapter, variant);
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
      [...VARIANTS, REFERENCE].map((variant) => [variant, variant, 20] as const),
    );
    const withoutReference = new Map([...processes].filter(([name]) => name !== REFERENCE));
    for (const workload of WORKLOADS) {
      progress(`${adapter}: ${workload.name}`);
      const measured = workload === WORKLOADS[0] ? processes : withoutReference;
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
    results.memory[adapter] = await rssGrowth(adapter, 'library-dynamic');
    results.memoryWithoutCors[adapter] = await rssGrowth(adapter, 'none');
  }

  progress('engine micro-benchmark');
  results.engine = engineDecisions();

  results.machine = machine(hasTaskset, elapsedSeconds());
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
    processesPerVariant: PROCESSES,
    rounds: ROUNDS,
    secondsPerSample: SECONDS,
  };
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
