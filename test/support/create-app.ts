import { createRequire } from 'node:module';
import type { INestApplication, ModuleMetadata } from '@nestjs/common';
import type Express from 'express';
import { ExpressAdapter } from '@nestjs/platform-express';
import { FastifyAdapter } from '@nestjs/platform-fastify';
import { Test, type TestingModule } from '@nestjs/testing';

export type AdapterName = 'express' | 'fastify';
export const ADAPTERS: AdapterName[] = ['express', 'fastify'];

/** The installed Nest major: CI runs the suites on Nest 12 and on Nest 11. */
export const NEST_MAJOR = Number(
  (
    createRequire(import.meta.url)('@nestjs/core/package.json') as { version: string }
  ).version.split('.')[0],
);

export interface AppOptions {
  readonly configure?: (app: INestApplication) => void;
  /** Options for the fastify adapter (router options). */
  readonly fastify?: ConstructorParameters<typeof FastifyAdapter>[0];
}

/** Builds and initialises a Nest app on the given adapter, without listening. */
export async function createApp(
  adapter: AdapterName,
  metadata: ModuleMetadata,
  options: AppOptions = {},
): Promise<INestApplication> {
  return applicationOf(await Test.createTestingModule(metadata).compile(), adapter, options);
}

/** Makes and initialises an application of a compiled testing module, without listening. */
export async function applicationOf(
  moduleRef: TestingModule,
  adapter: AdapterName,
  options: AppOptions = {},
): Promise<INestApplication> {
  const app = moduleRef.createNestApplication(
    adapter === 'express' ? new ExpressAdapter() : new FastifyAdapter(options.fastify),
    { logger: false },
  );
  options.configure?.(app);
  await app.init();
  if (adapter === 'fastify')
    await (app.getHttpAdapter().getInstance() as { ready(): Promise<void> }).ready();
  return app;
}

/** The express Nest's adapter runs on, whose response prototype the library pins. */
export const nestExpress = createRequire(import.meta.resolve('@nestjs/platform-express'))(
  'express',
) as typeof Express;
