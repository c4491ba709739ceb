import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkAnswer, refuseOtherAnswers } from './answers.js';
import type { Variant } from './bench-app.js';
import { loadCount, variantsMeasuredOn, WORKLOADS, type Workload } from './load.js';
import { resultsFile, writeReport, type BenchResults, type InstructionCounts } from './report.js';
import { startServer, stop, type Server } from './servers.js';

/**
 * `npm run bench:instructions [-- --quick]`: the instructions each variant's
 * server runs per request, counted by valgrind's callgrind, for every variant
 * and workload of `npm run bench`. A count comes out the same from one run to
 * the next, where requests/second on this machine move by 10% from one second
 * to the next; it is not time (cache misses and memory stalls cost nothing in
 * it), so it tells which way a row that noise moves leans, and by how much,
 * without replacing the measured targets. Compare counts of one run only, made
 * with nothing else running: a server's count moves with how it is run (the
 * no-CORS fastify app: 117,563 instructions per request here, 130,245 alone in
 * a simpler harness, 142,973 beside three other counts), most likely because
 * V8 paces parts of its garbage collection by the clock, which valgrind slows
 * about fifty times. Within a run every variant is counted the same way, two at
 * once, one per core; two runs agreed within 0.5% on most express counts. The
 * counts go into bench/RESULTS.md beside the last `npm run bench`.
 */

const quick = process.argv.includes('--quick');
/**
 * Requests before the counters are zeroed (V8 has compiled the request path
 * by then), and requests counted: enough that the old-generation collections
 * falling in the window, a few per 10,000 express requests, are spread thin.
 */
const REQUESTS = {
  express: { warmUp: 2_000, counted: 5_000 },
  fastify: { warmUp: 3_000, counted: 10_000 },
} as const;
type Adapter = keyof typeof REQUESTS;
/**
 * `--quick` (CI) only shows that every count can be made: fastify's, over a
 * few requests. Starting Node under valgrind takes most of a count's time.
 */
const ADAPTERS: readonly Adapter[] = quick ? ['fastify'] : ['express', 'fastify'];
const requestsOf = (adapter: Adapter) =>
  quick ? { warmUp: 100, counted: 200 } : REQUESTS[adapter];
/**
 * Servers counted at once: valgrind runs each on one core, and the load needs
 * a little of one. (Not `availableParallelism()`: servers.ts pins this process,
 * the load, to one core.)
 */
const AT_ONCE = Math.min(2, cpus().length);

/** Instructions per request of one variant's server under `workload`. */
async function countInstructions(
  adapter: Adapter,
  variant: Variant,
  workload: Workload,
): Promise<number> {
  const name = `${adapter} ${variant}, ${workload.name}`;
  const dumps = mkdtempSync(join(tmpdir(), 'nestjs-cors-callgrind-'));
  const outFile = join(dumps, 'callgrind.out');
  try {
    const server = await startServer(adapter, variant, 20, {
      launcher: ['valgrind', '--quiet', '--tool=callgrind', `--callgrind-out-file=${outFile}`],
      pinned: false,
    });
    try {
      const url = `${server.url}/bench/items`;
      await checkAnswer(name, server, workload, '/bench/items');
      await loadCount(url, workload, requestsOf(adapter).warmUp);
      callgrindControl('--zero', server);
      const run = await loadCount(url, workload, requestsOf(adapter).counted);
      refuseOtherAnswers(name, variant, workload, run);
      callgrindControl('--dump', server);
      return countedSinceZero(outFile) / requestsOf(adapter).counted;
    } finally {
      await stop(server);
    }
  } finally {
    rmSync(dumps, { recursive: true, force: true });
  }
}

/** Zeroes or dumps a server's counters; it waits until callgrind has done so. */
function callgrindControl(command: '--zero' | '--dump', server: Server): void {
  execFileSync('callgrind_control', [command, String(server.process.pid)], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
}

/** The total of the first dump (`<out file>.1`), which `callgrind_control --dump` writes. */
function countedSinceZero(outFile: string): number {
  const total = /^summary: (\d+)$/m.exec(readFileSync(`${outFile}.1`, 'utf8'));
  if (total === null) throw new Error(`${outFile}.1 has no summary line`);
  return Number(total[1]);
}

async function main() {
  const jobs = ADAPTERS.flatMap((adapter) =>
    WORKLOADS.flatMap((workload) =>
      variantsMeasuredOn(workload).map((variant) => ({ adapter, workload, variant })),
    ),
  );
  const counts: number[] = [];
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const at = next++;
      const { adapter, workload, variant } = jobs[at];
      counts[at] = await countInstructions(adapter, variant, workload);
      process.stdout.write(`${adapter} ${workload.name} ${variant}: ${Math.round(counts[at])}\n`);
    }
  };
  await Promise.all(Array.from({ length: AT_ONCE }, worker));
  // In the order of the jobs, so that every table lists the variants as the bench does.
  const perRequest: InstructionCounts['perRequest'] = {};
  jobs.forEach(({ adapter, workload, variant }, at) => {
    ((perRequest[adapter] ??= {})[workload.name] ??= {})[variant] = counts[at];
  });
  const results = JSON.parse(readFileSync(resultsFile, 'utf8')) as BenchResults;
  const valgrind = execFileSync('valgrind', ['--version']).toString().trim();
  const requests = Object.fromEntries(ADAPTERS.map((adapter) => [adapter, requestsOf(adapter)]));
  writeReport({ ...results, instructions: { valgrind, requests, perRequest } });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
