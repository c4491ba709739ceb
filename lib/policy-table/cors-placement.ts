import type { Type } from '@nestjs/common';
import { PATH_METADATA } from '@nestjs/common/constants.js';
import type { MetadataScanner } from '@nestjs/core';
import { CORS_METADATA } from '../cors.constants.js';
import { CorsConfigurationError } from '../engine/index.js';

/** What the check reads: the application's classes. */
export interface CorsPlacementInput {
  readonly controllers: ReadonlySet<Type>;
  /** Every other class the application provides (services, resolvers, gateways). */
  readonly providers: ReadonlySet<Type>;
  readonly scanner: MetadataScanner;
}

const FIX =
  'put @Cors() on a controller or on one of its route handlers (@Get(), @Post(), ...). Routes ' +
  'registered on the adapter directly, such as GraphQL’s, get the global policy; a WebSocket ' +
  'gateway takes its CORS options in @WebSocketGateway({ cors })';

/**
 * Fails where a `@Cors()` would go unread: on a class that is not a
 * controller, on a controller method Nest serves no HTTP request with (a
 * helper, a `@MessagePattern()` handler), or on a controller without HTTP
 * routes. Each looks like a policy in force and is none.
 */
export function checkCorsPlacement(input: CorsPlacementInput): void {
  for (const provider of input.providers) {
    if (input.controllers.has(provider)) continue;
    if (hasCors(provider)) misplaced(provider.name, `${provider.name} is not a controller`);
    for (const [methodName, method] of methodsOf(input.scanner, provider))
      if (hasCors(method))
        misplaced(`${provider.name}.${methodName}`, `${provider.name} is not a controller`);
  }
  for (const controller of input.controllers) {
    const methods = methodsOf(input.scanner, controller);
    if (hasCors(controller) && !methods.some(([, method]) => isRoute(method)))
      misplaced(controller.name, `${controller.name} has no HTTP routes`);
    for (const [methodName, method] of methods)
      if (hasCors(method) && !isRoute(method))
        misplaced(
          `${controller.name}.${methodName}`,
          `${controller.name}.${methodName} is not an HTTP route handler`,
        );
  }
}

/**
 * Whether Nest serves HTTP requests with a method: one a route decorator
 * (`@Get()` and the like) marked, as Nest's router reads it. Not the routes
 * recorded as registered: Nest 11 registers the versions sharing a path as
 * one handler of its own.
 */
function isRoute(method: object): boolean {
  return Reflect.getMetadata(PATH_METADATA, method) !== undefined;
}

function hasCors(target: object): boolean {
  return Reflect.getMetadata(CORS_METADATA, target) !== undefined;
}

/** A class's methods, by name, as Nest's scanner lists them. */
function methodsOf(scanner: MetadataScanner, type: Type): Array<[name: string, method: object]> {
  const prototype = type.prototype as Record<string, object> | undefined;
  if (prototype === undefined) return [];
  return scanner.getAllMethodNames(prototype).map((name) => [name, prototype[name]]);
}

function misplaced(location: string, reason: string): never {
  throw new CorsConfigurationError(
    'misplaced-decorator',
    '@Cors',
    `${reason}, so no request ever gets this policy; ${FIX}`,
    location,
  );
}
