import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import type { Variant } from './bench-app.js';

/** Pins this process (the load) to core 0, where taskset exists; servers go to core 1. */
export const hasTaskset = (() => {
  try {
    execFileSync('taskset', ['-pc', '0', String(process.pid)], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

export interface Server {
  readonly url: string;
  readonly process: ChildProcess;
}

export async function startServer(
  adapter: string,
  variant: Variant,
  routes: number,
): Promise<Server> {
  const args = [
    '--expose-gc',
    new URL('./server.js', import.meta.url).pathname,
    adapter,
    variant,
    String(routes),
  ];
  const child = hasTaskset
    ? spawn('taskset', ['-c', '1', process.execPath, ...args], {
        stdio: ['ignore', 'pipe', 'inherit'],
      })
    : spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout! });
  for await (const line of lines) {
    const match = /^ready (\d+)$/.exec(line);
    if (match) return { url: `http://127.0.0.1:${match[1]}`, process: child };
  }
  throw new Error(`${adapter}/${variant} exited before it was ready`);
}

export async function stop(server: Server): Promise<void> {
  server.process.kill();
  await once(server.process, 'exit');
}

export async function rssAfterGc(server: Server): Promise<number> {
  return Number(await (await fetch(`${server.url}/__rss`)).text());
}
