import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { from, mergeMap, tap, type Observable } from 'rxjs';
import { appendVary, decideActual, type ActualDecision } from '../engine/index.js';
import { CorsPolicyTableHost } from '../policy-table/cors-policy-table.host.js';
import type { RoutePolicy } from '../policy-table/policy-table.js';
import { logRefusal } from './cors-logger.js';
import { CorsRequestHook } from './cors-request.hook.js';
import {
  ACTUAL_HEADER_NAMES,
  CORS_STATE,
  writeCorsHeaders,
  type HttpRequest,
} from './http-access.js';

/**
 * Applies the exact handler's policy once Nest knows the handler. The early
 * hook has usually set the same headers already (then this only guards them);
 * it differs where several handlers share a path (header or media-type
 * versions), where the hook could only guess. Leaves non-HTTP contexts alone.
 */
@Injectable()
export class CorsInterceptor implements NestInterceptor {
  constructor(
    private readonly tables: CorsPolicyTableHost,
    private readonly hook: CorsRequestHook,
  ) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const route = this.tables.table?.forHandler(context.getClass(), context.getHandler());
    if (route === undefined) return next.handle();
    const http = context.switchToHttp();
    const request = http.getRequest<HttpRequest>();
    const response = http.getResponse<unknown>();
    const state = request[CORS_STATE];
    if (state?.preflight) return next.handle();

    const origin = request.headers.origin;
    const access = this.hook.responseAccess;
    if (origin === undefined) {
      // The answer depends on Origin: caches must not serve it to a request that has one.
      if (route.policy.enabled && !route.policy.staticAnyOrigin) {
        access.setHeader(
          response,
          'Vary',
          appendVary(access.getHeader(response, 'Vary'), 'Origin'),
        );
      }
      return next.handle();
    }
    if (state?.policy === route.policy)
      return this.guardAllowOrigin(state.allowOrigin, response, next);

    for (const name of ACTUAL_HEADER_NAMES) access.removeHeader(response, name);
    const decision = decideActual(route.policy, origin, request);
    if (decision instanceof Promise) {
      return from(decision).pipe(
        mergeMap((settled) => this.apply(route, settled, request, response, next)),
      );
    }
    return this.apply(route, decision, request, response, next);
  }

  private apply(
    route: RoutePolicy,
    decision: ActualDecision,
    request: HttpRequest,
    response: unknown,
    next: CallHandler,
  ): Observable<unknown> {
    if (decision.outcome === 'refused') logRefusal('request', decision.refusal, route.location);
    const allowed = decision.outcome === 'allowed';
    writeCorsHeaders(
      this.hook.responseAccess,
      response,
      allowed ? decision.headers : [],
      decision.vary,
    );
    const allowOrigin = allowed ? decision.headers[0][1] : undefined;
    request[CORS_STATE] = { policy: route.policy, allowOrigin, preflight: false };
    return this.guardAllowOrigin(allowOrigin, response, next);
  }

  /**
   * Never two Access-Control-Allow-Origin headers: whatever the handler set
   * (`res.append`, a header array), the policy's single value goes out.
   */
  private guardAllowOrigin(
    allowOrigin: string | undefined,
    response: unknown,
    next: CallHandler,
  ): Observable<unknown> {
    if (allowOrigin === undefined) return next.handle();
    const access = this.hook.responseAccess;
    return next.handle().pipe(
      tap(() => {
        if (!access.isSent(response))
          access.setHeader(response, 'Access-Control-Allow-Origin', allowOrigin);
      }),
    );
  }
}
