import { describe, expect, it } from '@jest/globals';
import {
  All,
  Controller,
  Get,
  Head,
  Header,
  Next,
  Post,
  Req,
  Res,
  Version,
  VERSION_NEUTRAL,
  VersioningType,
  type INestApplication,
  type VersioningOptions,
} from '@nestjs/common';
import { RouteConstraints } from '@nestjs/platform-fastify';
import fc from 'fast-check';
import http from 'node:http';
import { Cors, CorsModule } from '../../../lib/index.js';
import { listen } from '../../security/support/raw-http.js';
import { ADAPTERS, createApp, type AdapterName } from '../../support/create-app.js';

// Which handler serves a request depends on versions, host filters, fastify
// constraints, @Next() and routes registered on the adapter, in ways that
// combine. Whatever serves it, the response must carry that handler's answer:
// here every handler allows only its own origin, and says who it is. Every
// policy lists origins, so every answer, with Origin or without, varies by it.

const GLOBAL_ORIGIN = 'https://global.test';
const originOf = (handler: string) => `https://${handler.toLowerCase()}.test`;
const HANDOFF = 'x-hand-on';

type Method = 'GET' | 'HEAD' | 'POST' | 'ALL';
type VersionSpec = '1' | '2' | 'neutral' | '1 and neutral';

interface RouteSpec {
  readonly method: Method;
  readonly path: string;
  readonly version?: VersionSpec;
  /** express: takes @Next() and hands on requests that ask for it. */
  readonly handsOn: boolean;
  /** fastify: a host constraint. */
  readonly constrained: boolean;
  /** Its own origin comes from an origin function (`byOriginFunction`), not a list. */
  readonly byFunction: boolean;
}

interface ControllerSpec {
  readonly path: string;
  readonly host?: string;
  readonly routes: readonly RouteSpec[];
}

interface AdapterRouteSpec {
  readonly method: Method;
  readonly path: string;
  /** express: hands on requests that ask for it. */
  readonly handsOn: boolean;
}

interface AppSpec {
  readonly controllers: readonly ControllerSpec[];
  readonly adapterRoutes: readonly AdapterRouteSpec[];
  readonly versioning: 'HEADER' | 'MEDIA_TYPE' | 'URI' | 'CUSTOM';
  readonly defaultVersion?: '1';
  /** fastify's router options. */
  readonly caseSensitive: boolean;
  readonly exposeHeadRoutes: boolean;
}

interface RequestSpec {
  readonly method: string;
  readonly path: string;
  readonly version?: '1' | '2';
  readonly host: string;
  readonly handOn: boolean;
  /** Which handler's origin it comes from (an index into the app's handlers), the global one, or none. */
  readonly origin: number | 'global' | 'none';
}

const ROUTE_PATHS: Record<AdapterName, readonly string[]> = {
  express: ['', 'b', ':id', ':id/b', '*rest', 'b{/:x}', 'B', 'b/'],
  fastify: ['', 'b', ':id', ':id/b', '*', 'B', 'b/'],
};
const REQUEST_PATHS = [
  '/',
  '/a',
  '/a/b',
  '/a/b/c',
  '/x',
  '/x/b',
  '/a/x',
  '/A/B',
  '/a/b/',
  '/a/%62',
];
const URI_REQUEST_PATHS = ['/v1', '/v1/a', '/v1/a/b', '/v2/a/b', '/v2/x', '/v1/x/b', '/a/b', '/x'];

function appSpec(adapter: AdapterName): fc.Arbitrary<AppSpec> {
  const express = adapter === 'express';
  const route = fc.record({
    method: fc.constantFrom<Method>('GET', 'GET', 'HEAD', 'POST', 'ALL'),
    path: fc.constantFrom(...ROUTE_PATHS[adapter]),
    version: fc.option(fc.constantFrom<VersionSpec>('1', '2', 'neutral', '1 and neutral'), {
      nil: undefined,
    }),
    handsOn: express ? fc.boolean() : fc.constant(false),
    constrained: express ? fc.constant(false) : fc.boolean(),
    byFunction: fc.boolean(),
  });
  const controller = fc.record({
    path: fc.constantFrom('', 'a', 'a/b', 'x'),
    host: fc.option(fc.constantFrom('h1.test', ':tenant.test'), { nil: undefined }),
    routes: fc.array(route, { minLength: 1, maxLength: 3 }),
  });
  const adapterRoute = fc.record({
    method: fc.constantFrom<Method>('GET', 'POST', 'ALL'),
    path: fc.constantFrom('/a/b', '/a/:id', '/x', '/a'),
    handsOn: express ? fc.boolean() : fc.constant(false),
  });
  return fc.record({
    controllers: fc.array(controller, { minLength: 1, maxLength: 3 }),
    adapterRoutes: fc.array(adapterRoute, { maxLength: 2 }),
    versioning: fc.constantFrom('HEADER', 'MEDIA_TYPE', 'URI', 'CUSTOM'),
    defaultVersion: fc.option(fc.constant('1' as const), { nil: undefined }),
    caseSensitive: express ? fc.constant(true) : fc.boolean(),
    exposeHeadRoutes: express ? fc.constant(true) : fc.boolean(),
  });
}

/** Paths that reach the app's own routes, so that most requests reach a handler. */
function pathsOf(spec: AppSpec): string[] {
  const concrete = (path: string) => path.replace(/\*\w*|\{\/:x\}/g, 'b/c').replace(/:\w+/g, 'x');
  const prefixes = spec.versioning === 'URI' ? ['', '/v1', '/v2'] : [''];
  return spec.controllers.flatMap(({ path, routes }) =>
    routes.flatMap((route) => {
      const own = [path, concrete(route.path)].filter(Boolean).join('/');
      return prefixes.map((prefix) => `${prefix}/${own}`);
    }),
  );
}

function requestSpec(spec: AppSpec): fc.Arbitrary<RequestSpec> {
  const fixed = spec.versioning === 'URI' ? URI_REQUEST_PATHS : REQUEST_PATHS;
  return fc.record({
    method: fc.constantFrom('GET', 'GET', 'HEAD', 'POST', 'PUT'),
    path: fc.oneof(fc.constantFrom(...fixed), fc.constantFrom(...pathsOf(spec))),
    version: fc.option(fc.constantFrom('1' as const, '2' as const), { nil: undefined }),
    host: fc.constantFrom('h1.test', 'other.test'),
    handOn: fc.boolean(),
    origin: fc.oneof(
      { weight: 1, arbitrary: fc.constantFrom('global' as const, 'none' as const) },
      { weight: 4, arbitrary: fc.nat({ max: 11 }) },
    ),
  });
}

const VERSIONS: Record<VersionSpec, string | symbol | Array<string | symbol>> = {
  '1': '1',
  '2': '2',
  neutral: VERSION_NEUTRAL,
  '1 and neutral': ['1', VERSION_NEUTRAL],
};

const ROUTE_DECORATORS = { GET: Get, HEAD: Head, POST: Post, ALL: All };

/**
 * A handler's origin, allowed by an origin function only when it is handed the
 * adapter's request: express's and fastify's have a hostname, the bare Node
 * request the express front sees has none.
 */
const byOriginFunction =
  (name: string) =>
  (origin: string, request: unknown): boolean =>
    origin === originOf(name) &&
    typeof request === 'object' &&
    request !== null &&
    'hostname' in request;

/** A controller whose handlers are named H0, H1, ... from `first` on. */
function controllerOf(spec: ControllerSpec, first: number): new () => object {
  const controller = class {} as unknown as { new (): object; prototype: Record<string, unknown> };
  spec.routes.forEach((route, at) => {
    const name = `H${first + at}`;
    const decorators: MethodDecorator[] = [
      ROUTE_DECORATORS[route.method](route.path),
      Cors({ origin: route.byFunction ? byOriginFunction(name) : [originOf(name)] }),
    ];
    if (route.handsOn) {
      controller.prototype[name] = (
        request: http.IncomingMessage,
        response: http.ServerResponse,
        next: () => void,
      ) => {
        if (request.headers[HANDOFF] !== undefined) return next();
        response.setHeader('x-handler', name);
        response.end(name);
      };
      Req()(controller.prototype, name, 0);
      Res()(controller.prototype, name, 1);
      Next()(controller.prototype, name, 2);
    } else {
      controller.prototype[name] = () => name;
      decorators.push(Header('x-handler', name));
    }
    if (route.version !== undefined) decorators.push(Version(VERSIONS[route.version] as string));
    if (route.constrained)
      decorators.push(RouteConstraints({ host: 'h1.test' }) as MethodDecorator);
    const descriptor = Object.getOwnPropertyDescriptor(controller.prototype, name)!;
    for (const decorate of decorators) decorate(controller.prototype, name, descriptor);
  });
  Controller({ path: spec.path, ...(spec.host === undefined ? {} : { host: spec.host }) })(
    controller,
  );
  return controller;
}

function versioningOf(spec: AppSpec): VersioningOptions {
  const defaults = spec.defaultVersion === undefined ? {} : { defaultVersion: spec.defaultVersion };
  switch (spec.versioning) {
    case 'HEADER':
      return { type: VersioningType.HEADER, header: 'X-API-Version', ...defaults };
    case 'MEDIA_TYPE':
      return { type: VersioningType.MEDIA_TYPE, key: 'v=', ...defaults };
    case 'URI':
      return { type: VersioningType.URI, ...defaults };
    case 'CUSTOM':
      return {
        type: VersioningType.CUSTOM,
        extractor: (request: unknown) =>
          String((request as http.IncomingMessage).headers['x-api-version'] ?? '').split(','),
        ...defaults,
      };
  }
}

/** Builds the app, or undefined for a combination Nest or fastify refuses (a duplicate route). */
async function appOf(adapter: AdapterName, spec: AppSpec): Promise<INestApplication | undefined> {
  let first = 0;
  const controllers = spec.controllers.map((controller) => {
    const built = controllerOf(controller, first);
    first += controller.routes.length;
    return built;
  });
  try {
    return await createApp(
      adapter,
      { imports: [CorsModule.forRoot({ origin: [GLOBAL_ORIGIN] })], controllers },
      {
        fastify: {
          routerOptions: { caseSensitive: spec.caseSensitive },
          exposeHeadRoutes: spec.exposeHeadRoutes,
        },
        configure: (nest) => {
          nest.enableVersioning(versioningOf(spec));
          const http = nest.getHttpAdapter() as unknown as Record<
            string,
            (path: string, handler: (...args: never[]) => unknown) => unknown
          >;
          spec.adapterRoutes.forEach((route, at) => {
            const name = `D${at}`;
            http[route.method.toLowerCase()](route.path, (request, response, next) => {
              if (route.handsOn && (request as http.IncomingMessage).headers[HANDOFF])
                return (next as () => void)();
              if (adapter === 'express') {
                (response as http.ServerResponse).setHeader('x-handler', name);
                return (response as http.ServerResponse).end(name);
              }
              const reply = response as { header(n: string, v: string): { send(b: string): void } };
              reply.header('x-handler', name).send(name);
            });
          });
        },
      },
    );
  } catch {
    return undefined;
  }
}

function send(port: number, spec: RequestSpec, origin: string | undefined) {
  const headers: Record<string, string> = { host: spec.host };
  if (origin !== undefined) headers.origin = origin;
  if (spec.version !== undefined) {
    headers['x-api-version'] = spec.version;
    headers.accept = `application/json;v=${spec.version}`;
  }
  if (spec.handOn) headers[HANDOFF] = '1';
  return new Promise<http.IncomingMessage>((resolve, reject) => {
    const request = http.request(
      { port, host: '127.0.0.1', method: spec.method, path: spec.path, headers, agent: false },
      (response) => {
        response.resume();
        response.on('end', () => resolve(response));
      },
    );
    request.on('error', reject);
    request.end();
  });
}

describe.each(ADAPTERS)('the handler that serves a request, on %s', (adapter) => {
  it('gives the response its own CORS answer, in generated apps', async () => {
    await fc.assert(
      fc.asyncProperty(
        appSpec(adapter).chain((spec) =>
          fc.tuple(
            fc.constant(spec),
            fc.array(requestSpec(spec), { minLength: 60, maxLength: 60 }),
          ),
        ),
        async ([spec, requests]) => {
          const app = await appOf(adapter, spec);
          fc.pre(app !== undefined);
          try {
            const port = await listen(app!);
            const handlers = [
              ...spec.controllers.flatMap(({ routes }) => routes).map((_, at) => `H${at}`),
              ...spec.adapterRoutes.map((_, at) => `D${at}`),
            ];
            for (const request of requests) {
              const from =
                typeof request.origin === 'number'
                  ? handlers[request.origin % handlers.length]
                  : undefined;
              const origin =
                from !== undefined
                  ? originOf(from)
                  : request.origin === 'global'
                    ? GLOBAL_ORIGIN
                    : undefined;
              const response = await send(port, request, origin);
              const served = response.headers['x-handler'] as string | undefined;
              if (served === undefined) continue;
              // A route registered on the adapter has the global policy.
              const allowed =
                origin !== undefined &&
                (served.startsWith('D') ? origin === GLOBAL_ORIGIN : served === from);
              expect({
                request,
                served,
                answer: response.headers['access-control-allow-origin'],
              }).toEqual({ request, served, answer: allowed ? origin : undefined });
              const vary = String(response.headers.vary ?? '').split(',');
              expect(vary.filter((token) => token.trim().toLowerCase() === 'origin')).toHaveLength(
                1,
              );
            }
          } finally {
            await app!.close();
          }
        },
      ),
      // About 1,500 answers checked per adapter; a fixed seed, so that a failure reproduces.
      { numRuns: 150, seed: 20261128 },
    );
  }, 120_000);
});
