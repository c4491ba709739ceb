import {
  execFileSync,
  spawn,
  type ChildProcess,
  type SpawnOptionsWithStdioTuple,
} from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { setTimeout as delay } from 'node:timers/promises';
import type { Variant } from './bench-app.js';

/** Pins this process (the load) to core 0, where taskset exists; servers run on core 1. */
export const hasTaskset = (() => {
  try {
    execFileSync('taskset', ['-pc', '0', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

export interface Server {
  readonly variant: Variant;
  readonly url: string;
  readonly process: ChildProcess;
}

/** How a server runs: under what (valgrind, say), with what Node options, and whether pinned to core 1. */
interface ServerOptions {
  readonly launcher?: readonly string[];
  readonly nodeOptions?: readonly string[];
  readonly pinned?: boolean;
}

export async function startServer(
  adapter: string,
  variant: Variant,
  routes: number,
  { launcher = [], nodeOptions = [], pinned = true }: ServerOptions = {},
): Promise<Server> {
  const args = [
    '--expose-gc',
    ...nodeOptions,
    new URL('./server.js', import.meta.url).pathname,
    adapter,
    variant,
    String(routes),
  ];
  const options: SpawnOptionsWithStdioTuple<'ignore', 'pipe', 'inherit'> = {
    stdio: ['ignore', 'pipe', 'inherit'],
  };
  // Started on both cores (not on the load's, which a child would inherit), so that servers
  // start side by side; pinned to core 1 once ready.
  const command = [
    ...(hasTaskset ? ['taskset', '-c', '0,1'] : []),
    ...launcher,
    process.execPath,
    ...args,
  ];
  const child = spawn(command[0], command.slice(1), options);
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) {
    const match = /^ready (\d+)$/.exec(line);
    if (!match) continue;
    if (hasTaskset && pinned)
      execFileSync('taskset', ['-apc', '1', String(child.pid)], { stdio: 'ignore' });
    return { variant, url: `http://127.0.0.1:${match[1]}`, process: child };
  }
  throw new Error(`${adapter}/${variant} exited before it was ready`);
}

/**
 * A server whose RSS is read (settledRss). Under load V8 grows the young
 * generation to two 16 MiB semi-spaces and gives them back whenever its memory
 * reducer next runs, seconds after the load stops: settled reads of one
 * express app then caught 87 or 118 MiB at random, its heap used flat at
 * 17.6 MiB. Semi-spaces held at 1 MiB leave RSS with what the old generation
 * and native memory keep, which is what the origins cost.
 */
export function startServerForMemory(
  adapter: string,
  variant: Variant,
  { pinned = true }: Pick<ServerOptions, 'pinned'> = {},
): Promise<Server> {
  return startServer(adapter, variant, 20, { nodeOptions: ['--max-semi-space-size=1'], pinned });
}

/**
 * Freezes a server between its measurements. Every server shares core 1, and
 * an idle Node process still collects garbage there (V8's memory reducer runs
 * full GCs once allocation stops), which the server being measured would pay.
 */
export function pause(server: Server): void {
  server.process.kill('SIGSTOP');
}

export function resume(server: Server): void {
  server.process.kill('SIGCONT');
}

export async function stop(server: Server): Promise<void> {
  resume(server);
  server.process.kill();
  await once(server.process, 'exit');
}

async function rssAfterGc(server: Server): Promise<number> {
  return Number(await (await fetch(`${server.url}/__rss`)).text());
}

/**
 * RSS once it has stopped falling. V8 hands memory back over several seconds
 * after the load stops, and a read at once catches a random point of that: one
 * express process read 87, 119 or 139 MiB after a GC, its heap flat at 17 MiB
 * used. Read every second until five reads in a row agree within 2%; the
 * lowest of those five (after 30 s, the lowest of the last five, with a warning).
 */
export async function settledRss(server: Server): Promise<number> {
  const deadline = Date.now() + 30_000;
  const readings: number[] = [];
  for (;;) {
    readings.push(await rssAfterGc(server));
    const last = readings.slice(-5);
    const settled = last.length === 5 && Math.max(...last) <= Math.min(...last) * 1.02;
    if (settled) return Math.min(...last);
    if (Date.now() > deadline) {
      process.stderr.write(`RSS did not settle in 30 s: ${readings.join(', ')} bytes\n`);
      return Math.min(...last);
    }
    await delay(1_000);
  }
}
