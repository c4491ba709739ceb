import type { IncomingHttpHeaders } from 'node:http';
import { logRefusal } from '../cors.logger.js';
import { describeRefusalToClient, type PreflightDecision } from '../engine/index.js';
import type { CorsPolicyTable } from '../policy-table/policy-table.js';
import { REFUSED_ANSWER, writeDecisionHeaders, type HttpAccess } from './http-access.js';
import { resolvePreflight, type RequestTarget, type Resolved } from './resolve-request.js';

/**
 * Answers a preflight before guards, interceptors, pipes and the app's
 * middleware see it: the decision's status and headers, or 403 with the reason
 * in plain text. With `preflightContinue` it sets the headers and passes the
 * request on to the app's own OPTIONS route instead. `request` is the
 * adapter's (origin functions get it); `headers` are the Node request's, which
 * the hook has already read.
 */
export function handlePreflight(
  table: CorsPolicyTable,
  access: HttpAccess,
  request: unknown,
  headers: IncomingHttpHeaders,
  response: unknown,
  target: RequestTarget,
  continueRequest: () => void,
): void | Promise<void> {
  const preflight = {
    origin: headers.origin as string,
    method: headers['access-control-request-method'] as string,
    headers: headers['access-control-request-headers'],
    privateNetwork: headers['access-control-request-private-network'] === 'true',
  };
  const answer = ({ route, decision }: Resolved<PreflightDecision>) => {
    if (decision.outcome === 'refused') {
      logRefusal(table.debug, 'preflight', decision.refusal, route.location);
      writeDecisionHeaders(access, response, REFUSED_ANSWER, decision.vary);
      access.send(
        response,
        decision.status,
        `CORS preflight refused: ${describeRefusalToClient(decision.refusal)}\n`,
      );
      return;
    }
    writeDecisionHeaders(access, response, decision.headers, decision.vary);
    if (decision.continue) continueRequest();
    else access.send(response, decision.status);
  };
  const resolved = resolvePreflight(table, target, preflight, request);
  return resolved instanceof Promise ? resolved.then(answer) : answer(resolved);
}
