import { describe, expect, it, jest } from '@jest/globals';
import { AsyncLocalStorage } from 'node:async_hooks';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import ts from 'typescript';
import { CorsModule } from '../../lib/index.js';
import { keptTickObject } from '../../lib/request-path/next-tick-shape.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
const nextTick = () => new Promise<void>((resolve) => process.nextTick(resolve));

describe('the tick object kept for the life of the process', () => {
  it('is one of Node’s tick objects once CorsModule is declared and its tick has run, holding no store', async () => {
    expect(keptTickObject()).toBeUndefined();
    // Faked, nextTick runs the callback in another resource: nothing is kept, and a later call tries again.
    jest.useFakeTimers();
    CorsModule.forRoot();
    jest.runAllTicks();
    jest.useRealTimers();
    expect(keptTickObject()).toBeUndefined();
    const store = { large: 'a request context' };
    new AsyncLocalStorage().run(store, () => CorsModule.forRoot());
    await nextTick();
    const kept = keptTickObject() as Record<string, unknown>;
    expect(Object.keys(kept).sort()).toEqual(['args', 'callback']);
    for (const key of Object.getOwnPropertySymbols(kept))
      expect(kept[key as never]).not.toBe(store);
    CorsModule.forRootAsync({ useFactory: () => ({}) });
    await nextTick();
    expect(keptTickObject()).toBe(kept);
  });
});

/**
 * A fastify app with 5,000 routes (Node 22 and 24 keep the stores monomorphic
 * through a bootstrap of 2,000, Node 20 does not) bootstrapped in a child process (V8's
 * `%DebugPrint` needs --allow-natives-syntax), which then prints how many of
 * the property stores in `process.nextTick`'s tick-object literal are
 * megamorphic after serving requests. The module under test is compiled alone.
 */
const CHILD = `
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import 'reflect-metadata';
import { keepNextTickShape } from './next-tick-shape.mjs';

if (process.argv[2] === 'keep') keepNextTickShape();
class Routes {}
Controller('r')(Routes);
for (let i = 0; i < Number(process.argv[3]); i++) {
  Object.defineProperty(Routes.prototype, 'r' + i, { value: () => 'ok', writable: true });
  Get(i % 2 ? 'r' + i + '/:id' : 'r' + i)(Routes.prototype, 'r' + i, Object.getOwnPropertyDescriptor(Routes.prototype, 'r' + i));
}
class App {}
Module({ controllers: [Routes] })(App);
const app = await NestFactory.create(App, new FastifyAdapter(), { logger: false });
await app.listen(0, '127.0.0.1');
const { port } = app.getHttpServer().address();
for (let i = 0; i < 500; i++) await (await fetch('http://127.0.0.1:' + port + '/r/r0')).text();
await app.close();
eval('%DebugPrint(process.nextTick)');
`;

async function megamorphicStores(keep: boolean, dir: string): Promise<number> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--allow-natives-syntax', join(dir, 'child.mjs'), keep ? 'keep' : 'no', '5000'],
    { cwd: root, maxBuffer: 16 * 2 ** 20 },
  );
  const literalStores = stdout.match(/DefineKeyedOwnPropertyInLiteral \w+/g) ?? [];
  expect(literalStores.length).toBeGreaterThanOrEqual(3);
  return literalStores.filter((store) => store.endsWith('MEGAMORPHIC')).length;
}

describe('nextTick after a large fastify bootstrap', () => {
  it('stays monomorphic with a tick object kept, and goes megamorphic without one', async () => {
    // Inside the project, so that the child resolves its packages from node_modules.
    const dir = mkdtempSync(join(root, 'node_modules', '.tick-shape-'));
    try {
      const source = readFileSync(join(root, 'lib/request-path/next-tick-shape.ts'), 'utf8');
      const { outputText } = ts.transpileModule(source, {
        compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
      });
      writeFileSync(join(dir, 'next-tick-shape.mjs'), outputText);
      writeFileSync(join(dir, 'child.mjs'), CHILD);
      expect(await megamorphicStores(true, dir)).toBe(0);
      expect(await megamorphicStores(false, dir)).toBeGreaterThan(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
