import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { INestApplication } from '@nestjs/common';
import request from 'supertest';
import { answerProblems, answersOtherThan, expectedStatus } from '../../bench/answers.js';
import { benchModule, configureVariant, type Variant } from '../../bench/bench-app.js';
import { NEW_ORIGIN, WORKLOADS, type Workload } from '../../bench/load.js';
import { ADAPTERS, createApp } from '../support/create-app.js';

// The bench compares variants by throughput, which means something only if each
// variant does the work it stands for: the CORS variants give the same allowed
// and refused answers, the reference writes an allowed answer's headers, and the
// app without CORS answers no preflight. run.ts checks this before it measures;
// these tests keep the apps and that check honest on both adapters and majors.

const [ALLOWED, PREFLIGHT, DISALLOWED] = WORKLOADS;

/** Every variant with the workloads the bench measures it on. */
const MEASURED: ReadonlyArray<readonly [Variant, readonly Workload[]]> = [
  ['none', [ALLOWED, PREFLIGHT, DISALLOWED, NEW_ORIGIN]],
  ['headers-only', [ALLOWED]],
  ['enable-cors', [ALLOWED, PREFLIGHT, DISALLOWED]],
  ['library', [ALLOWED, PREFLIGHT, DISALLOWED]],
  ['library-overrides', [ALLOWED, PREFLIGHT, DISALLOWED]],
  ['library-dynamic', [NEW_ORIGIN]],
];

function send(app: INestApplication, workload: Workload) {
  const server = request(app.getHttpServer());
  const sent =
    workload.method === 'OPTIONS' ? server.options('/bench/items') : server.get('/bench/items');
  return sent.set(workload.headers);
}

describe.each(ADAPTERS)('bench variants answer as the bench expects (%s)', (adapter) => {
  describe.each(MEASURED)('%s', (variant, workloads) => {
    // The scaling run's apps carry many other routes; a few here keep the controller built that way in.
    let app: INestApplication;
    beforeAll(async () => {
      app = await createApp(
        adapter,
        { imports: [benchModule(variant, 50)] },
        { configure: (nest) => configureVariant(nest, variant) },
      );
    });
    afterAll(() => app.close());

    it.each(workloads.map((workload) => [workload.name, workload] as const))(
      '%s',
      async (_name, workload) => {
        const answer = await send(app, workload);
        expect(answerProblems(variant, workload, answer)).toEqual([]);
      },
    );
  });
});

describe('the answer check itself', () => {
  const allowedPreflight = {
    status: 204,
    headers: {
      'access-control-allow-origin': 'https://b.example.com',
      'access-control-allow-credentials': 'true',
      'access-control-allow-methods': 'GET,PUT',
      'access-control-allow-headers': 'Content-Type, X-Trace',
      'access-control-max-age': '600',
      vary: 'Origin, Access-Control-Request-Headers',
    },
  };

  it('takes an allowed preflight with the names in any case and order', () => {
    expect(answerProblems('library', PREFLIGHT, allowedPreflight)).toEqual([]);
  });

  it.each([
    ['a 404', { status: 404 }, 'status 204'],
    [
      'another origin',
      { 'access-control-allow-origin': '*' },
      'Access-Control-Allow-Origin: https://b.example.com',
    ],
    [
      'no credentials',
      { 'access-control-allow-credentials': undefined },
      'Access-Control-Allow-Credentials: true',
    ],
    ['PUT not allowed', { 'access-control-allow-methods': 'GET' }, 'put allowed'],
    [
      'a requested header not allowed',
      { 'access-control-allow-headers': 'content-type' },
      'x-trace allowed',
    ],
    ['no max-age', { 'access-control-max-age': undefined }, 'Access-Control-Max-Age: 600'],
    ['no Vary: Origin', { vary: 'Access-Control-Request-Headers' }, 'Vary naming Origin'],
  ])('names what is wrong with a preflight answer: %s', (_case, change, problem) => {
    const { status, ...headers } = change as { status?: number } & Record<
      string,
      string | undefined
    >;
    const answer = {
      status: status ?? allowedPreflight.status,
      headers: { ...allowedPreflight.headers, ...headers },
    };
    expect(answerProblems('library', PREFLIGHT, answer)).toEqual([problem]);
  });

  it('wants no Access-Control-Allow-Origin for a refused origin, nor from the app without CORS', () => {
    const withOrigin = {
      status: 200,
      headers: { 'access-control-allow-origin': 'https://evil.example', vary: 'Origin' },
    };
    expect(answerProblems('library', DISALLOWED, withOrigin)).toEqual([
      'no Access-Control-Allow-Origin',
    ]);
    expect(answerProblems('none', ALLOWED, withOrigin)).toEqual(['no Access-Control-Allow-Origin']);
  });

  it('measures the headers-only reference on allowed actual requests only', () => {
    const answer = { status: 200, headers: {} };
    expect(answerProblems('headers-only', DISALLOWED, answer)).toHaveLength(1);
    expect(answerProblems('headers-only', PREFLIGHT, answer)).toHaveLength(1);
  });

  it('expects a preflight to be answered by CORS layers only', () => {
    expect(expectedStatus('library', PREFLIGHT)).toBe(204);
    expect(expectedStatus('enable-cors', PREFLIGHT)).toBe(204);
    expect(expectedStatus('none', PREFLIGHT)).toBe(404);
    expect(expectedStatus('library', DISALLOWED)).toBe(200);
  });

  it('counts the answers of a run that had another status', () => {
    expect(answersOtherThan({ '204': 90 }, 204)).toBe(0);
    expect(answersOtherThan({ '204': 90, '403': 7, '500': 3 }, 204)).toBe(10);
  });
});
