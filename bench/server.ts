import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { keepNextTickShape } from '../lib/request-path/next-tick-shape.js';
import { benchModule, configureVariant, type Variant } from './bench-app.js';

/**
 * One app variant in its own process. argv: adapter variant routes. Prints
 * `ready <port>` once listening; `GET /__rss` answers with its RSS after a GC.
 */
async function main() {
  const [adapter, variant, routes] = process.argv.slice(2) as [
    'express' | 'fastify',
    Variant,
    string,
  ];
  // Every variant keeps a tick object, as CorsModule does in the apps that import it
  // (next-tick-shape.ts): the comparisons then measure CORS, not Node's nextTick cliff.
  keepNextTickShape();
  const module = benchModule(variant, Number(routes));
  const app =
    adapter === 'fastify'
      ? await NestFactory.create(module, new FastifyAdapter(), { logger: false })
      : await NestFactory.create(module, { logger: false });
  configureVariant(app, variant);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  process.stdout.write(`ready ${address.port}\n`);
  // A clean exit, so that a --cpu-prof run writes its profile.
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => void app.close().then(() => process.exit(0)));
  }
}

void main();
