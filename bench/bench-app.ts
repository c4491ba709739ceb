import {
  Controller,
  Get,
  Header,
  Module,
  Put,
  type DynamicModule,
  type INestApplication,
  type Type,
} from '@nestjs/common';
import { Cors, CorsModule } from '../lib/index.js';

/** The three allowed origins every CORS variant uses. */
export const ALLOWED_ORIGINS = [
  'https://a.example.com',
  'https://b.example.com',
  'https://c.example.com',
];
export const GLOBAL_POLICY = { origin: ALLOWED_ORIGINS, credentials: true, maxAge: 600 };
/**
 * The same policy for `app.enableCors()`, with its methods stated: `@fastify/cors`
 * allows only GET, HEAD and POST by default, so its answer to the bench's PUT
 * preflight was one a browser refuses. These are the `cors` package's defaults.
 */
const ENABLE_CORS_POLICY = {
  ...GLOBAL_POLICY,
  methods: ['GET', 'HEAD', 'PUT', 'PATCH', 'POST', 'DELETE'],
};
/** The origins the memory run's origin function allows (each of its requests sends a new one). */
export const DYNAMIC_ORIGIN_SUFFIX = '.example.com';

export type Variant =
  | 'none' // no CORS at all: the limit
  | 'headers-only' // no CORS logic, the handler sets the headers an allowed answer carries
  | 'enable-cors' // app.enableCors() with the same policy
  | 'library' // CorsModule.forRoot() with the same policy
  | 'library-overrides' // the same, restated by @Cors on the controller and the route
  | 'library-dynamic'; // an origin function, for the memory run

@Controller('bench')
class PlainController {
  @Get('items')
  items() {
    return 'ok';
  }

  @Put('items')
  put() {
    return 'ok';
  }
}

/** What any CORS layer must at least cost: writing the headers of an allowed answer. */
@Controller('bench')
class HeadersOnlyController {
  @Get('items')
  @Header('Access-Control-Allow-Origin', 'https://b.example.com')
  @Header('Access-Control-Allow-Credentials', 'true')
  @Header('Vary', 'Origin')
  items() {
    return 'ok';
  }
}

@Controller('bench')
@Cors({ origin: ALLOWED_ORIGINS, credentials: true })
class OverriddenController {
  @Get('items')
  @Cors({ maxAge: 600 })
  items() {
    return 'ok';
  }

  @Put('items')
  put() {
    return 'ok';
  }
}

@Controller('bench')
@Cors({ origin: (origin: string) => origin.endsWith(DYNAMIC_ORIGIN_SUFFIX), credentials: true })
class DynamicController {
  @Get('items')
  items() {
    return 'ok';
  }
}

/** A controller with `count` routes, half static and half with a parameter, none of them measured. */
function otherRoutes(count: number): Type {
  class OtherRoutesController {}
  Controller('other')(OtherRoutesController);
  for (let i = 0; i < count; i++) {
    const name = `route${i}`;
    const handler = () => 'other';
    Object.defineProperty(OtherRoutesController.prototype, name, {
      value: handler,
      writable: true,
    });
    const descriptor = Object.getOwnPropertyDescriptor(OtherRoutesController.prototype, name)!;
    Get(i % 2 === 0 ? `r${i}` : `r${i}/:id`)(OtherRoutesController.prototype, name, descriptor);
  }
  return OtherRoutesController;
}

/**
 * The server's RSS after a forced GC, for the memory run. A controller, as an
 * app's own health check would be: a route registered on the adapter directly
 * makes every fastify handler announce itself, which is not the app measured.
 */
@Controller('__rss')
class MemoryController {
  @Get()
  rss() {
    (globalThis as { gc?: () => void }).gc?.();
    return String(process.memoryUsage().rss);
  }
}

export function benchModule(variant: Variant, extraRoutes: number): DynamicModule {
  const controller = {
    none: PlainController,
    'headers-only': HeadersOnlyController,
    'enable-cors': PlainController,
    library: PlainController,
    'library-overrides': OverriddenController,
    'library-dynamic': DynamicController,
  }[variant];
  @Module({})
  class BenchModule {}
  return {
    module: BenchModule,
    imports: variant.startsWith('library') ? [CorsModule.forRoot(GLOBAL_POLICY)] : [],
    controllers: [controller, MemoryController, otherRoutes(extraRoutes)],
  };
}

/** What a variant sets up on its app once the app is created. */
export function configureVariant(app: INestApplication, variant: Variant): void {
  if (variant === 'enable-cors') app.enableCors(ENABLE_CORS_POLICY);
}
