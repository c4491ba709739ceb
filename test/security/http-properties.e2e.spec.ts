/**
 * Property-based tests over HTTP: random Origin, Access-Control-Request-Headers
 * and Access-Control-Request-Method values, sent byte for byte over a raw socket
 * (UTF-8, so any string can go out; only CR and LF are left out, as they would
 * end the header line). Whatever arrives: never a 5xx, the server keeps
 * answering, no unhandled rejection, and Access-Control-Allow-Origin only for an
 * origin the exact list allows, as decided by an oracle written here.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Put, type INestApplication } from '@nestjs/common';
import fc from 'fast-check';
import { Cors, CorsModule } from '../../lib/index.js';
import { ADAPTERS, createApp } from '../support/create-app.js';
import { watchUnhandledRejections } from '../support/process-faults.js';
import { viaSocket, type Answer } from './support/answers.js';
import { listen } from './support/raw-http.js';

const RUNS = { numRuns: 150 };
const ALLOWED = ['https://example.com', 'http://localhost:3000'] as const;
const STRICT_HEADERS = new Set(['content-type', 'x-trace']);

@Controller('items')
class ItemsController {
  @Get()
  list() {
    return 'items';
  }
  @Put()
  replace() {
    return 'replaced';
  }
}

@Controller('strict')
@Cors({ allowedHeaders: ['content-type', 'x-trace'] })
class StrictController {
  @Put()
  replace() {
    return 'replaced';
  }
}

// ---- Oracles, independent of lib/ ----

/** Node's HTTP parser refuses ASCII control characters other than HTAB in a header value (400). */
function parserRejects(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if ((code < 0x20 && code !== 0x09) || code === 0x7f) return true;
  }
  return false;
}

/** A header value as the server reads it: optional whitespace around it is not part of it. */
const trimOws = (value: string) => value.replace(/^[ \t]+|[ \t]+$/g, '');

/** Lowercases A-Z only: hosts compare case-insensitively in ASCII, nothing more. */
const asciiLower = (value: string) => value.replace(/[A-Z]/g, (c) => c.toLowerCase());

/**
 * Whether the exact list allows an Origin value: the scheme exactly as a browser
 * serializes it (lowercase), the rest equal to a member but for the letter case of the host.
 */
function listAllows(value: string): boolean {
  if (value.startsWith('https://')) return asciiLower(value) === 'https://example.com';
  if (value.startsWith('http://')) return asciiLower(value) === 'http://localhost:3000';
  return false;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** The elements of a header list as the server reads them (several lines are joined by ","). */
function listElements(lines: readonly string[]): string[] {
  return lines
    .map(trimOws)
    .join(',')
    .split(',')
    .map(trimOws)
    .filter((element) => element !== '');
}

// ---- Generators ----

/** Any string that can go on one header line. */
const lineSafe = (arb: fc.Arbitrary<string>) => arb.map((s) => s.replace(/[\r\n]/g, ''));

const anyString = lineSafe(
  fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary', maxLength: 60 }),
    fc.string({ unit: 'grapheme', maxLength: 30 }),
  ),
);

/** Origins of random web URLs: hosts, IP literals, ports, in random letter case. */
const webOrigin = fc
  .tuple(
    fc.webUrl({
      validSchemes: ['http', 'https'],
      authoritySettings: { withIPv4: true, withIPv6: true, withPort: true, withUserInfo: true },
    }),
    fc.boolean(),
  )
  .map(([url, upper]) => {
    const origin = new URL(url).origin;
    return upper ? origin.toUpperCase() : origin;
  });

const editChar = fc.constantFrom(...'aAeEmMxX.:/@-_09[]%,; \t*#?\\'.split(''));
const edit = fc.oneof(
  fc.record({ op: fc.constant('insert' as const), at: fc.nat(), ch: editChar }),
  fc.record({ op: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ op: fc.constant('replace' as const), at: fc.nat(), ch: editChar }),
  fc.record({ op: fc.constant('upper' as const), at: fc.nat() }),
  fc.record({
    op: fc.constant('append' as const),
    text: fc.constantFrom('/', '.', ':443', ':80', ':3000', '.evil.com', ',https://evil.com', ' '),
  }),
  fc.record({
    op: fc.constant('prepend' as const),
    text: fc.constantFrom('x', 'evil.', 'https://evil.com,', 'http://', 'null,', ' '),
  }),
);
type Edit = typeof edit extends fc.Arbitrary<infer E> ? E : never;

function applyEdit(value: string, e: Edit): string {
  const at = 'at' in e ? e.at % (value.length + 1) : 0;
  switch (e.op) {
    case 'insert':
      return value.slice(0, at) + e.ch + value.slice(at);
    case 'delete':
      return value.slice(0, at) + value.slice(at + 1);
    case 'replace':
      return value.slice(0, at) + e.ch + value.slice(at + 1);
    case 'upper':
      return value.slice(0, at) + value.slice(at, at + 1).toUpperCase() + value.slice(at + 1);
    case 'append':
      return value + e.text;
    case 'prepend':
      return e.text + value;
  }
}

/** An allowed origin with a few small edits: the near misses that matter. */
const mutatedOrigin = fc
  .tuple(fc.constantFrom(...ALLOWED), fc.array(edit, { minLength: 1, maxLength: 3 }))
  .map(([origin, edits]) => edits.reduce(applyEdit, origin));

/** A member with its host in random letter case: allowed. */
const memberInAnyCase = fc
  .tuple(fc.constantFrom(...ALLOWED), fc.array(fc.boolean(), { minLength: 30, maxLength: 30 }))
  .map(([origin, upper]) => {
    const [scheme, rest] = origin.split('://');
    const host = [...rest].map((c, i) => (upper[i] ? c.toUpperCase() : c)).join('');
    return `${scheme}://${host}`;
  });

/** A member with a control character in it: Node's parser refuses the request. */
const withControl = fc
  .tuple(
    fc.constantFrom(...ALLOWED),
    fc.constantFrom('\x00', '\x01', '\x0b', '\x1b', '\x7f'),
    fc.nat(),
  )
  .map(([origin, control, at]) => {
    const i = at % (origin.length + 1);
    return origin.slice(0, i) + control + origin.slice(i);
  });

const originValue = fc.oneof(anyString, webOrigin, mutatedOrigin, memberInAnyCase, withControl);

const tokenArb = fc.stringMatching(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,12}$/);
const nameArb = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom('content-type', 'Content-Type', 'x-trace', 'X-TRACE') },
  { weight: 3, arbitrary: tokenArb },
  { weight: 1, arbitrary: anyString },
);
const separator = fc.constantFrom(',', ', ', ' ,', ',,', '\t,\t', ';', ' ');
/** Access-Control-Request-Headers: one or several lines of names, sometimes large. */
const requestHeaderLines = fc.oneof(
  fc
    .tuple(fc.array(nameArb, { maxLength: 12 }), separator)
    .map(([names, sep]) => [names.join(sep)]),
  fc.array(
    fc.array(nameArb, { maxLength: 4 }).map((names) => names.join(',')),
    {
      minLength: 2,
      maxLength: 3,
    },
  ),
  anyString.map((value) => [value]),
  fc.integer({ min: 1, max: 3000 }).map((count) => [Array(count).fill('x-a').join(',')]),
);

// The listed values half the time: the allowed ones among them come up about 20 times in 150
// runs, which the test's count of each outcome needs (at a third, 5 or fewer came up once).
const methodValue = fc.oneof(
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      ...['GET', 'HEAD', 'POST', 'PUT', 'put', 'Put', 'get', 'PATCH', 'DELETE', 'OPTIONS'],
      ...['TRACE', 'CONNECT', 'FOO', 'GE T', 'PUT,PUT', 'PUT, GET', ' PUT ', ''],
    ),
  },
  { weight: 1, arbitrary: tokenArb },
  { weight: 1, arbitrary: anyString },
);

// ---- The tests ----

describe.each(ADAPTERS)('HTTP properties on %s', (adapter) => {
  let app: INestApplication;
  let port: number;
  const rejections = watchUnhandledRejections();
  beforeAll(async () => {
    app = await createApp(adapter, {
      imports: [CorsModule.forRoot({ origin: [...ALLOWED], methods: ['PUT'] })],
      controllers: [ItemsController, StrictController],
    });
    port = await listen(app);
  });
  afterAll(async () => {
    rejections.stop();
    await app.close();
  });

  const get = (origin: string) => viaSocket(port, 'GET', '/items', [['Origin', origin]], 'utf8');
  const preflight = (path: string, origin: string, method: string, headers?: readonly string[]) =>
    viaSocket(
      port,
      'OPTIONS',
      path,
      [
        ['Origin', origin],
        ['Access-Control-Request-Method', method],
        ...(headers ?? []).map((value) => ['Access-Control-Request-Headers', value] as const),
      ],
      'utf8',
    );

  /** The server still gives the right answers to ordinary requests. */
  async function expectStillServing(): Promise<void> {
    const actual = await get('https://example.com');
    expect({ status: actual.status, allowOrigin: actual.allowOrigin, body: actual.body }).toEqual({
      status: 200,
      allowOrigin: ['https://example.com'],
      body: 'items',
    });
    const allowed = await preflight('/items', 'http://localhost:3000', 'PUT', ['x-trace']);
    expect({ status: allowed.status, allowOrigin: allowed.allowOrigin }).toEqual({
      status: 204,
      allowOrigin: ['http://localhost:3000'],
    });
    const refused = await preflight('/items', 'https://evil.example', 'PUT');
    expect({ status: refused.status, allowHeaders: refused.allowHeaders }).toEqual({
      status: 403,
      allowHeaders: [],
    });
    expect(rejections.reasons).toEqual([]);
  }

  function expectRefused(answer: Answer, status: number): void {
    expect({ status: answer.status, allowHeaders: answer.allowHeaders }).toEqual({
      status,
      allowHeaders: [],
    });
  }

  it('answers any Origin value on actual requests and preflights as the exact list decides', async () => {
    const seen = { allowed: 0, refused: 0, parserRejected: 0 };
    await fc.assert(
      fc.asyncProperty(originValue, async (origin) => {
        const actual = await get(origin);
        const pre = await preflight('/items', origin, 'PUT');
        expect(actual.status).toBeLessThan(500);
        expect(pre.status).toBeLessThan(500);
        if (parserRejects(origin)) {
          seen.parserRejected++;
          expectRefused(actual, 400);
          expectRefused(pre, 400);
          return;
        }
        const value = trimOws(origin);
        const allowed = listAllows(value);
        seen[allowed ? 'allowed' : 'refused']++;
        expect({ status: actual.status, allowOrigin: actual.allowOrigin }).toEqual({
          status: 200,
          allowOrigin: allowed ? [value] : [],
        });
        expect(actual.vary).toContain('origin');
        if (allowed) {
          expect({ status: pre.status, allowOrigin: pre.allowOrigin }).toEqual({
            status: 204,
            allowOrigin: [value],
          });
        } else {
          expectRefused(pre, 403);
        }
      }),
      RUNS,
    );
    // The generators reach every outcome, so the property says something about each.
    expect(seen.allowed).toBeGreaterThan(5);
    expect(seen.refused).toBeGreaterThan(50);
    expect(seen.parserRejected).toBeGreaterThan(0);
    await expectStillServing();
  });

  it('gives web origins outside the list no Access-Control-Allow-Origin', async () => {
    await fc.assert(
      fc.asyncProperty(webOrigin, async (origin) => {
        const allowed = listAllows(origin);
        const actual = await get(origin);
        expect({ status: actual.status, allowOrigin: actual.allowOrigin }).toEqual({
          status: 200,
          allowOrigin: allowed ? [origin] : [],
        });
        const pre = await preflight('/items', origin, 'GET');
        if (allowed) expect(pre.status).toBe(204);
        else expectRefused(pre, 403);
      }),
      RUNS,
    );
    await expectStillServing();
  });

  it('refuses every near miss of an allowed origin that is not the origin itself', async () => {
    await fc.assert(
      fc.asyncProperty(mutatedOrigin, async (origin) => {
        fc.pre(!parserRejects(origin));
        const value = trimOws(origin);
        const allowed = listAllows(value);
        const actual = await get(origin);
        expect(actual.allowOrigin).toEqual(allowed ? [value] : []);
        const pre = await preflight('/items', origin, 'PUT', ['content-type']);
        if (allowed) expect(pre.allowOrigin).toEqual([value]);
        else expectRefused(pre, 403);
      }),
      RUNS,
    );
    await expectStillServing();
  });

  it('reflects only well-formed requested headers, and never a 5xx', async () => {
    const seen = { allowed: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ALLOWED), requestHeaderLines, async (origin, lines) => {
        const pre = await preflight('/items', origin, 'PUT', lines);
        expect(pre.status).toBeLessThan(500);
        if (lines.some((line) => parserRejects(line))) {
          expectRefused(pre, 400);
          return;
        }
        const elements = listElements(lines);
        const malformed = elements.some((element) => !TOKEN.test(element));
        // Far inside any sane bound: a browser sends a handful of names.
        const modest = elements.length <= 20 && lines.join(',').length <= 1000;
        if (malformed) expectRefused(pre, 403);
        else if (modest) expect(pre.status).toBe(204);
        else expect([204, 403]).toContain(pre.status);
        if (pre.status === 204) {
          seen.allowed++;
          expect(malformed).toBe(false);
          expect(pre.allowOrigin).toEqual([origin]);
          const names = elements.map((element) => element.toLowerCase());
          expect(pre.allowHeadersValue).toBe(names.length === 0 ? undefined : names.join(','));
        } else {
          seen.refused++;
          expectRefused(pre, 403);
        }
      }),
      RUNS,
    );
    expect(seen.allowed).toBeGreaterThan(5);
    expect(seen.refused).toBeGreaterThan(5);
    await expectStillServing();
  });

  it('allows only the listed headers where a route lists them', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ALLOWED), requestHeaderLines, async (origin, lines) => {
        const pre = await preflight('/strict', origin, 'PUT', lines);
        expect(pre.status).toBeLessThan(500);
        if (lines.some((line) => parserRejects(line))) {
          expectRefused(pre, 400);
          return;
        }
        const names = listElements(lines).map((element) => element.toLowerCase());
        const allListed = names.every((name) => STRICT_HEADERS.has(name));
        if (!allListed) {
          expectRefused(pre, 403);
          return;
        }
        if (names.length <= 20) expect(pre.status).toBe(204);
        if (pre.status === 204) {
          expect(pre.allowOrigin).toEqual([origin]);
          expect(pre.allowHeadersValue).toBe('content-type,x-trace');
        } else {
          expectRefused(pre, 403);
        }
      }),
      RUNS,
    );
    await expectStillServing();
  });

  it('allows a requested method only when it is exactly GET, HEAD, POST or the listed PUT', async () => {
    const seen = { allowed: 0, refused: 0 };
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...ALLOWED), methodValue, async (origin, method) => {
        const pre = await preflight('/items', origin, method);
        expect(pre.status).toBeLessThan(500);
        if (parserRejects(method)) {
          expectRefused(pre, 400);
          return;
        }
        const allowed = ['GET', 'HEAD', 'POST', 'PUT'].includes(trimOws(method));
        seen[allowed ? 'allowed' : 'refused']++;
        if (allowed) {
          expect({ status: pre.status, allowOrigin: pre.allowOrigin }).toEqual({
            status: 204,
            allowOrigin: [origin],
          });
          // The policy's list where a route serves the method; else the global policy names it alone.
          expect(pre.allowMethodsValue).toBe(trimOws(method) === 'POST' ? 'POST' : 'PUT');
        } else {
          expectRefused(pre, 403);
        }
      }),
      RUNS,
    );
    expect(seen.allowed).toBeGreaterThan(5);
    expect(seen.refused).toBeGreaterThan(5);
    await expectStillServing();
  });

  it('never allows a preflight from an origin outside the list, whatever else it carries', async () => {
    await fc.assert(
      fc.asyncProperty(
        originValue,
        methodValue,
        fc.option(requestHeaderLines, { nil: undefined }),
        fc.constantFrom('/items', '/strict', '/missing'),
        async (origin, method, lines, path) => {
          const pre = await preflight(path, origin, method, lines);
          expect(pre.status).toBeLessThan(500);
          const values = [origin, method, ...(lines ?? [])];
          if (values.some((value) => parserRejects(value))) {
            expectRefused(pre, 400);
            return;
          }
          const value = trimOws(origin);
          if (!listAllows(value)) expectRefused(pre, 403);
          else if (pre.status !== 403) expect(pre.allowOrigin).toEqual([value]);
        },
      ),
      RUNS,
    );
    await expectStillServing();
  });
});
