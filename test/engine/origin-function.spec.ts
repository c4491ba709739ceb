import { describe, expect, it } from '@jest/globals';
import { checkOrigin, decideActual } from '../../lib/engine/index.js';
import { configurationErrorOf, policyOf } from './engine-test-helpers.js';

const APP = 'https://app.example.com';
const never = () => new Promise<boolean>(() => undefined);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('origin function timeout', () => {
  it('denies an origin whose function never settles, once the timeout passes', async () => {
    const policy = policyOf({ origin: never, originFunctionTimeout: 20 });
    const started = Date.now();
    const verdict = await checkOrigin(policy, APP, {});
    expect(Date.now() - started).toBeGreaterThanOrEqual(15);
    expect(verdict).toEqual({ error: expect.any(Error) });
    expect(String((verdict as { error: Error }).error.message)).toContain('within 20 ms');
  });

  it('defaults to one second', () => {
    const policy = policyOf({ origin: never });
    expect(policy.origin).toMatchObject({ kind: 'function', timeout: 1000 });
  });

  it('keeps answering other origins while one function hangs', async () => {
    const policy = policyOf({
      origin: (origin) => (origin === APP ? never() : Promise.resolve(true)),
      originFunctionTimeout: 50,
    });
    const hanging = decideActual(policy, APP, {});
    const other = await decideActual(policy, 'https://other.example.com', {});
    expect(other.outcome).toBe('allowed');
    expect((await hanging).outcome).toBe('refused');
  });

  it('uses an answer that arrives in time', async () => {
    const policy = policyOf({
      origin: async () => (await sleep(5), true),
      originFunctionTimeout: 200,
    });
    expect(await checkOrigin(policy, APP, {})).toBe(true);
  });

  it('does not hold memory for 10,000 origins whose functions never settle', async () => {
    const gc = (globalThis as { gc?: () => void }).gc;
    expect(gc).toBeDefined(); // npm test runs node with --expose-gc
    const policy = policyOf({ origin: never, originFunctionTimeout: 1 });
    const run = () =>
      Promise.all(
        Array.from({ length: 10_000 }, (_, i) =>
          checkOrigin(policy, `https://u${i}.example.com`, {}),
        ),
      );
    const heapAfterGc = () => (gc!(), process.memoryUsage().heapUsed);
    await run(); // warm-up: compiled code and pools settle
    // Kept, 10,000 pending checks would hold several MiB; the smallest of three
    // rounds keeps other allocations in this worker from blurring the answer.
    const growths: number[] = [];
    for (let round = 0; round < 3; round++) {
      const before = heapAfterGc();
      const verdicts = await run();
      expect(verdicts.every((v) => typeof v === 'object')).toBe(true);
      growths.push(heapAfterGc() - before);
    }
    expect(Math.min(...growths)).toBeLessThan(1 * 2 ** 20);
  });
});

describe('origin cache', () => {
  it('asks the function once per origin while the answer is fresh', async () => {
    const asked: string[] = [];
    const policy = policyOf({
      origin: async (origin) => (asked.push(origin), origin === APP),
      originCache: { max: 10, ttl: 60_000 },
    });
    expect(await checkOrigin(policy, APP, {})).toBe(true);
    expect(checkOrigin(policy, APP, {})).toBe(true); // answered from the cache, synchronously
    expect(await checkOrigin(policy, 'https://evil.example', {})).toBe(false);
    expect(checkOrigin(policy, 'https://evil.example', {})).toBe(false);
    expect(asked).toEqual([APP, 'https://evil.example']);
  });

  it('holds at most max answers, dropping the least recently used', async () => {
    let calls = 0;
    const policy = policyOf({
      origin: () => (calls++, true),
      originCache: { max: 2, ttl: 60_000 },
    });
    for (const host of ['a', 'b', 'c', 'a'])
      await checkOrigin(policy, `https://${host}.example.com`, {});
    expect(calls).toBe(4); // "a" was evicted by "c", so it is asked again
    const { cache } = policy.origin as { cache: { size: number } };
    expect(cache.size).toBe(2);
  });

  it('asks again once an answer is older than ttl', async () => {
    let calls = 0;
    const policy = policyOf({ origin: () => (calls++, true), originCache: { max: 10, ttl: 20 } });
    await checkOrigin(policy, APP, {});
    await sleep(40);
    await checkOrigin(policy, APP, {});
    expect(calls).toBe(2);
  });

  it('never caches a failure', async () => {
    let calls = 0;
    const policy = policyOf({
      origin: () => {
        calls++;
        throw new Error('database down');
      },
      originCache: { max: 10, ttl: 60_000 },
    });
    expect(await checkOrigin(policy, APP, {})).toEqual({ error: expect.any(Error) });
    expect(await checkOrigin(policy, APP, {})).toEqual({ error: expect.any(Error) });
    expect(calls).toBe(2);
  });
});

describe('origin function options: configuration errors', () => {
  // 2 ** 31 ms and more: Node would fire the timer after 1 ms.
  it.each([0, -5, 1.5, '1000', 2 ** 31, 3e9])('refuses originFunctionTimeout %p', (timeout) => {
    const error = configurationErrorOf({ origin: never, originFunctionTimeout: timeout });
    expect(error.option).toBe('originFunctionTimeout');
    expect(error.message).toContain('whole number of milliseconds from 1 to 2147483647');
  });

  it('accepts the longest timeout Node keeps', () => {
    expect(policyOf({ origin: never, originFunctionTimeout: 2 ** 31 - 1 }).enabled).toBe(true);
  });

  it.each([{ max: 0, ttl: 10 }, { max: 10 }, { ttl: 10 }, { max: 10, ttl: -1 }, 5])(
    'refuses originCache %j',
    (cache) => {
      const error = configurationErrorOf({ origin: never, originCache: cache });
      expect(error.option).toBe('originCache');
      expect(error.message).toContain('e.g. { max: 10000, ttl: 60000 }');
    },
  );
});
