import {
  Injectable,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { from, mergeMap, tap, type Observable } from 'rxjs';
import { appendVary, decideActual, type ActualDecision } from '../engine/index.js';
import { CorsPolicyTableHost } from '../policy-table/cors-policy-table.host.js';
import { applyActualDecision } from './actual-request.js';
import {
  ACTUAL_HEADER_NAMES,
  CORS_STATE,
  responseAccessFor,
  type HttpRequest,
  type ResponseAccess,
} from './http-access.js';

/**
 * Applies the exact handler's policy once Nest knows the handler. The early
 * hook has usually set the same headers already (then this only guards them);
 * it differs where several handlers share a path (header or media-type
 * versions), where the hook could only guess. Leaves non-HTTP contexts alone.
 */
@Injectable()
export class CorsInterceptor implements NestInterceptor {
  private access: ResponseAccess = responseAccessFor(undefined);

  constructor(
    private readonly tables: CorsPolicyTableHost,
    adapterHost: HttpAdapterHost,
  ) {
    adapterHost.init$.subscribe(() => (this.access = responseAccessFor(adapterHost.httpAdapter)));
  }

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() !== 'http') return next.handle();
    const table = this.tables.table;
    const route = table?.forHandler(context.getClass(), context.getHandler());
    if (table === undefined || route === undefined) return next.handle();
    const http = context.switchToHttp();
    const request = http.getRequest<HttpRequest>();
    const response = http.getResponse<unknown>();
    const state = request[CORS_STATE];
    if (state !== undefined && state.decision === undefined) return next.handle(); // a continued preflight

    const origin = request.headers.origin;
    const access = this.access;
    if (origin === undefined) {
      // The answer depends on Origin: caches must not serve it to a request that has one.
      if (route.policy.enabled && !route.policy.staticAnyOrigin)
        appendToVary(access, response, 'Origin');
      return next.handle();
    }
    if (state?.policy === route.policy) {
      // The early hook applied this policy; a @Header('Vary', ...) may have replaced its Vary since.
      if (state.decision!.vary !== undefined) appendToVary(access, response, state.decision!.vary);
      return this.guardAllowOrigin(state.decision!, response, next);
    }

    // The early hook guessed another policy (handlers sharing a path): replace its headers.
    for (const name of ACTUAL_HEADER_NAMES) access.removeHeader(response, name);
    const decision = decideActual(route.policy, origin, request);
    const apply = (settled: ActualDecision) => {
      applyActualDecision(table.debug, access, route, settled, request, response);
      return this.guardAllowOrigin(settled, response, next);
    };
    return decision instanceof Promise ? from(decision).pipe(mergeMap(apply)) : apply(decision);
  }

  /**
   * Never two Access-Control-Allow-Origin headers: whatever the handler set
   * (`res.append`, a header array), the policy's single value goes out.
   */
  private guardAllowOrigin(
    decision: ActualDecision,
    response: unknown,
    next: CallHandler,
  ): Observable<unknown> {
    if (decision.outcome !== 'allowed') return next.handle();
    const [, allowOrigin] = decision.headers[0];
    const access = this.access;
    return next.handle().pipe(
      tap(() => {
        if (!access.isSent(response))
          access.setHeader(response, 'Access-Control-Allow-Origin', allowOrigin);
      }),
    );
  }
}

function appendToVary(access: ResponseAccess, response: unknown, tokens: string): void {
  const current = access.getHeader(response, 'Vary');
  if (current !== tokens) access.setHeader(response, 'Vary', appendVary(current, tokens));
}
