import http from 'node:http';
import {
  ALLOWED_ORIGINS,
  DYNAMIC_ORIGIN_SUFFIX,
  GLOBAL_POLICY,
  type Variant,
} from './bench-app.js';
import type { LoadResult, Workload } from './load.js';

/**
 * What each variant must answer to each workload. A variant that answered
 * otherwise (a 404 where a preflight was meant, a missing header) would be
 * measured doing other work, and every ratio it entered would compare unlike
 * things; the bench checks one answer of every server before it measures, and
 * the status of every answer while it does.
 */

/** An answer as the bench reads it: the status and the headers, by lowercase name. */
export interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
}

/** Variants with no CORS layer: they never answer a preflight. */
const WITHOUT_CORS: ReadonlySet<Variant> = new Set(['none', 'headers-only']);

const isPreflight = (workload: Workload) => workload.method === 'OPTIONS';

export function expectedStatus(variant: Variant, workload: Workload): number {
  if (!isPreflight(workload)) return 200;
  return WITHOUT_CORS.has(variant) ? 404 : 204;
}

/** Whether the variant's policy allows the workload's Origin. */
function allows(variant: Variant, origin: string | undefined): boolean {
  if (origin === undefined || variant === 'none') return false;
  if (variant === 'library-dynamic') return origin.endsWith(DYNAMIC_ORIGIN_SUFFIX);
  return ALLOWED_ORIGINS.includes(origin);
}

const listed = (value: string | string[] | undefined) =>
  String(value ?? '')
    .split(',')
    .map((item) => item.trim().toLowerCase())
    .filter(Boolean);

/** What is wrong with `answer` for this variant and workload; empty when it is right. */
export function answerProblems(variant: Variant, workload: Workload, answer: Answer): string[] {
  if (variant === 'headers-only' && (isPreflight(workload) || !allows(variant, origin(workload))))
    return ['headers-only is measured on allowed actual requests only'];
  const problems: string[] = [];
  const { headers } = answer;
  const expect = (what: string, ok: boolean) => {
    if (!ok) problems.push(what);
  };
  expect(
    `status ${expectedStatus(variant, workload)}`,
    answer.status === expectedStatus(variant, workload),
  );
  const requestOrigin = origin(workload);
  if (!allows(variant, requestOrigin)) {
    expect('no Access-Control-Allow-Origin', headers['access-control-allow-origin'] === undefined);
  } else {
    expect(
      `Access-Control-Allow-Origin: ${requestOrigin}`,
      headers['access-control-allow-origin'] === requestOrigin,
    );
    expect(
      'Access-Control-Allow-Credentials: true',
      headers['access-control-allow-credentials'] === 'true',
    );
  }
  if (variant !== 'none') expect('Vary naming Origin', listed(headers.vary).includes('origin'));
  if (isPreflight(workload) && variant !== 'none') {
    const method = workload.headers['access-control-request-method'].toLowerCase();
    expect(`${method} allowed`, listed(headers['access-control-allow-methods']).includes(method));
    for (const name of listed(workload.headers['access-control-request-headers']))
      expect(`${name} allowed`, listed(headers['access-control-allow-headers']).includes(name));
    expect(
      `Access-Control-Max-Age: ${GLOBAL_POLICY.maxAge}`,
      headers['access-control-max-age'] === String(GLOBAL_POLICY.maxAge),
    );
  }
  return problems;
}

function origin(workload: Workload): string | undefined {
  return workload.headers.origin;
}

/** How many of a run's answers, counted by status, had another status than `status`. */
export function answersOtherThan(
  statuses: Readonly<Record<string, number>>,
  status: number,
): number {
  return Object.entries(statuses).reduce(
    (count, [code, answers]) => (code === String(status) ? count : count + answers),
    0,
  );
}

/** Sends one request of the workload and reads its answer. */
export function fetchAnswer(url: string, workload: Workload): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const request = http.request(
      url,
      { method: workload.method, headers: workload.headers },
      (response) => {
        response.resume();
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, headers: response.headers }),
        );
      },
    );
    request.on('error', reject);
    request.end();
  });
}

/** Refuses to measure a server that answers the workload otherwise than its variant must. */
export async function checkAnswer(
  name: string,
  server: { readonly variant: Variant; readonly url: string },
  workload: Workload,
  path: string,
): Promise<void> {
  const answer = await fetchAnswer(server.url + path, workload);
  const problems = answerProblems(server.variant, workload, answer);
  if (problems.length > 0)
    throw new Error(`${name} answers ${workload.name} wrongly; expected ${problems.join(', ')}`);
}

/** Fails a run in which any answer had another status than the variant must give, or failed. */
export function refuseOtherAnswers(
  name: string,
  variant: Variant,
  workload: Workload,
  result: LoadResult,
): void {
  const status = expectedStatus(variant, workload);
  const wrong = answersOtherThan(result.statuses, status);
  if (result.errors > 0 || wrong > 0)
    throw new Error(
      `${name}: ${result.errors} errors and ${wrong} answers other than ${status} under ${workload.name}`,
    );
}
