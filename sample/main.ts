import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { AppModule } from './app.module.js';

/** Starts the sample API on express, or on fastify with --fastify. */
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
}

void bootstrap();
