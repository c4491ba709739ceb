import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';
import { createDemoServer } from './demo-server.js';
import { DEMO_ORIGIN } from './demo-origin.js';

/**
 * Starts the sample API on express, or on fastify with --fastify, and the demo
 * page on a second origin (DEMO_ORIGIN) that calls it from a browser.
 */
async function bootstrap() {
  const useFastify = process.argv.includes('--fastify');
  const app = useFastify
    ? await NestFactory.create(AppModule, new FastifyAdapter())
    : await NestFactory.create(AppModule);
  const port = Number(process.env.PORT ?? 3000);
  await app.listen(port, '127.0.0.1');
  console.log(
    `nestjs-cors sample API (${useFastify ? 'fastify' : 'express'}) on http://localhost:${port}`,
  );

  const demo = new URL(DEMO_ORIGIN);
  await new Promise<void>((resolve, reject) => {
    const server = createDemoServer().once('error', reject);
    server.listen(Number(demo.port || 80), demo.hostname, resolve);
  });
  // The page calls http://localhost:3000 unless told otherwise with ?api=.
  const query = port === 3000 ? '' : `?api=http://localhost:${port}`;
  console.log(`demo page on ${demo.origin}/${query} (open it in a browser)`);
}

void bootstrap();
