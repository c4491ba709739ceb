import type { Type } from '@nestjs/common';
import type { MetadataScanner } from '@nestjs/core';
import { CORS_METADATA } from '../cors.constants.js';
import { CorsConfigurationError } from '../engine/index.js';
import type { RouteOwner } from './route-recorder.js';

/** What the check reads: the application's classes, and which controller methods Nest made HTTP routes. */
export interface CorsPlacementInput {
  readonly controllers: ReadonlySet<Type>;
  /** Every other class the application provides (services, resolvers, gateways). */
  readonly providers: ReadonlySet<Type>;
  readonly routeOwners: readonly RouteOwner[];
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
  const routed = new Map<Type, Set<string>>();
  for (const { controller, methodName } of input.routeOwners) {
    let methods = routed.get(controller);
    if (methods === undefined) routed.set(controller, (methods = new Set()));
    methods.add(methodName);
  }
  for (const provider of input.providers) {
    if (input.controllers.has(provider)) continue;
    if (hasCors(provider)) misplaced(provider.name, `${provider.name} is not a controller`);
    for (const methodName of decoratedMethods(input.scanner, provider))
      misplaced(`${provider.name}.${methodName}`, `${provider.name} is not a controller`);
  }
  for (const controller of input.controllers) {
    const methods = routed.get(controller);
    if (methods === undefined && hasCors(controller))
      misplaced(controller.name, `${controller.name} has no HTTP routes`);
    for (const methodName of decoratedMethods(input.scanner, controller))
      if (!methods?.has(methodName))
        misplaced(
          `${controller.name}.${methodName}`,
          `${controller.name}.${methodName} is not an HTTP route handler`,
        );
  }
}

function hasCors(target: object): boolean {
  return Reflect.getMetadata(CORS_METADATA, target) !== undefined;
}

function decoratedMethods(scanner: MetadataScanner, type: Type): string[] {
  const prototype = type.prototype as Record<string, unknown> | undefined;
  if (prototype === undefined) return [];
  return scanner.getAllMethodNames(prototype).filter((name) => hasCors(prototype[name] as object));
}

function misplaced(location: string, reason: string): never {
  throw new CorsConfigurationError(
    'misplaced-decorator',
    '@Cors',
    `${reason}, so no request ever gets this policy; ${FIX}`,
    location,
  );
}
