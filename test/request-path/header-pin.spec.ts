import { describe, expect, it } from '@jest/globals';
import http, { type OutgoingHttpHeaders, type ServerResponse } from 'node:http';
import net from 'node:net';
import type { HeaderPair } from '../../lib/engine/index.js';
import {
  pinOnResponse,
  pinThroughPrototype,
  type PinHeaders,
} from '../../lib/request-path/header-pin.js';

const ACAO = 'Access-Control-Allow-Origin';
const ACAC = 'Access-Control-Allow-Credentials';
const A = 'https://a.test';
const B = 'https://b.test';
const HANDLER = 'https://handler.test';

/** An allowed decision's answer, as the engine makes it. */
const allowing = (origin: string, ...others: HeaderPair[]): HeaderPair[] => [
  [ACAO, origin],
  ...others,
];

type WriteHead = (this: ServerResponse, ...args: unknown[]) => unknown;

/** What the writeHead underneath the pin saw: the response's own headers and its arguments. */
interface WriteHeadCall {
  readonly headers: OutgoingHttpHeaders;
  readonly args: unknown[];
}

const nodeWriteHead = http.ServerResponse.prototype.writeHead as WriteHead;

/** A writeHead that records each call, then runs Node's (or `then`). */
function recordingWriteHead(calls: WriteHeadCall[], then: WriteHead = nodeWriteHead): WriteHead {
  return function (...args) {
    calls.push({ headers: this.getHeaders(), args });
    return then.apply(this, args);
  };
}

function newResponse(): ServerResponse {
  return new http.ServerResponse(new http.IncomingMessage(new net.Socket()));
}

/** An app's response prototype, as express gives one to every response of the app. */
function appPrototype(calls: WriteHeadCall[], then?: WriteHead): ServerResponse {
  const prototype = Object.create(http.ServerResponse.prototype) as ServerResponse;
  prototype.writeHead = recordingWriteHead(calls, then) as ServerResponse['writeHead'];
  return prototype;
}

function onPrototype(prototype: ServerResponse): ServerResponse {
  return Object.setPrototypeOf(newResponse(), prototype) as ServerResponse;
}

interface Harness {
  readonly response: ServerResponse;
  readonly pin: PinHeaders;
  /** The calls that reached the writeHead underneath the pin. */
  readonly calls: WriteHeadCall[];
}

type Setup = (then?: WriteHead) => Harness;

/** fastify's way: the response's own writeHead, captured when it is pinned. */
const onResponse: Setup = (then) => {
  const calls: WriteHeadCall[] = [];
  const response = newResponse();
  response.writeHead = recordingWriteHead(calls, then) as ServerResponse['writeHead'];
  return { response, pin: pinOnResponse, calls };
};

/** express's way: a wrapper on the app's response prototype. */
const throughPrototype: Setup = (then) => {
  const calls: WriteHeadCall[] = [];
  const prototype = appPrototype(calls, then);
  return { response: onPrototype(prototype), pin: pinThroughPrototype(prototype), calls };
};

/** express's way for a response that has its connection, as every one but a waiting pipelined one does. */
const throughPrototypeOnConnection: Setup = (then) => {
  const harness = throughPrototype(then);
  harness.response.assignSocket(new net.Socket());
  return harness;
};

const SETUPS: Array<[string, Setup]> = [
  ['pinOnResponse', onResponse],
  ['pinThroughPrototype, waiting for a connection', throughPrototype],
  ['pinThroughPrototype, on a connection', throughPrototypeOnConnection],
];

/** The header lines Node wrote for the response's head, names lowercased. */
function sentLines(response: ServerResponse): Array<[string, string]> {
  const head = (response as unknown as { _header: unknown })._header;
  if (typeof head !== 'string') throw new Error('writeHead did not write a head');
  return head
    .split('\r\n')
    .slice(1)
    .filter((line) => line !== '')
    .map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).toLowerCase(), line.slice(colon + 1).trim()];
    });
}

/** Every value sent for a header, one per line. */
function sent(response: ServerResponse, name: string): string[] {
  const lower = name.toLowerCase();
  return sentLines(response)
    .filter(([line]) => line === lower)
    .map(([, value]) => value);
}

/**
 * Whether Node sends every line of a header list written on a response with
 * headers of its own (Node 22 on), or only the last line of a name (Node 20).
 */
const SENDS_EVERY_LIST_LINE = (() => {
  const probe = new http.ServerResponse(new http.IncomingMessage(new net.Socket()));
  probe.setHeader('Content-Type', 'text/plain');
  nodeWriteHead.call(probe, 200, ['Vary', 'Accept', 'Vary', 'Cookie']);
  return sent(probe, 'Vary').length === 2;
})();

function statusLine(response: ServerResponse): string {
  return (response as unknown as { _header: string })._header.split('\r\n')[0];
}

describe.each(SETUPS)('%s', (_name, setup) => {
  describe('Access-Control-Allow-Origin', () => {
    it.each<[string, string | string[]]>([
      ['a value the handler set', HANDLER],
      ['a list appended to the pinned value', [A, HANDLER]],
    ])('sends the pinned value over %s', (_case, replacement) => {
      const { response, pin, calls } = setup();
      response.setHeader(ACAO, A);
      pin(response, allowing(A), 'Origin');
      response.setHeader(ACAO, replacement);
      response.writeHead(200);
      expect(sent(response, ACAO)).toEqual([A]);
      expect(calls).toHaveLength(1);
    });

    it('adds none to a response without one', () => {
      const { response, pin } = setup();
      pin(response, allowing(A), 'Origin');
      response.writeHead(200);
      expect(sent(response, ACAO)).toEqual([]);
      expect(sent(response, 'Vary')).toEqual(['Origin']);
    });

    it('adds none back when the handler removed it', () => {
      const { response, pin } = setup();
      response.setHeader(ACAO, A);
      pin(response, allowing(A), 'Origin');
      response.removeHeader(ACAO);
      response.writeHead(200);
      expect(sent(response, ACAO)).toEqual([]);
    });

    it("leaves the handler's value alone when the decision allows no origin", () => {
      // A request without Origin: nothing is allowed, but the answer varies on Origin.
      const { response, pin } = setup();
      pin(response, undefined, 'Origin');
      response.setHeader(ACAO, HANDLER);
      response.setHeader('Vary', 'Accept');
      response.writeHead(200);
      expect(sent(response, ACAO)).toEqual([HANDLER]);
      expect(sent(response, 'Vary')).toEqual(['Accept, Origin']);
    });
    it('lets no Allow-Origin or Allow-Credentials the app set out for a refusal', () => {
      const { response, pin } = setup();
      pin(response, [], 'Origin');
      response.setHeader(ACAO, '*');
      response.setHeader(ACAC, 'true');
      response.writeHead(200);
      expect(sent(response, ACAO)).toEqual([]);
      expect(sent(response, ACAC)).toEqual([]);
      expect(sent(response, 'Vary')).toEqual(['Origin']);
    });

    it("sends the decision's credentials over the app's, and the app's Expose-Headers as set", () => {
      const { response, pin } = setup();
      pin(response, allowing(A, [ACAC, 'true']), 'Origin');
      response.setHeader(ACAO, A);
      response.setHeader(ACAC, 'false');
      response.setHeader('Access-Control-Expose-Headers', 'x-total-count');
      response.writeHead(200);
      expect(sent(response, ACAO)).toEqual([A]);
      expect(sent(response, ACAC)).toEqual(['true']);
      expect(sent(response, 'Access-Control-Expose-Headers')).toEqual(['x-total-count']);
    });

    it('sends no credentials the decision has not, however the app set them', () => {
      const { response, pin } = setup();
      pin(response, allowing(A), 'Origin');
      response.setHeader(ACAO, A);
      response.setHeader(ACAC, 'true');
      response.writeHead(200);
      expect(sent(response, ACAO)).toEqual([A]);
      expect(sent(response, ACAC)).toEqual([]);
    });
  });

  describe('Vary', () => {
    it.each<[string, string | string[] | null, string]>([
      ['appends the pinned tokens to a Vary set after pinning', 'Accept', 'Accept, Origin'],
      ['adds the pinned tokens when the handler removed Vary', null, 'Origin'],
      ['keeps a Vary that already names Origin', 'Accept, Origin', 'Accept, Origin'],
      ['keeps a Vary that names Origin in another case', 'Accept, origin', 'Accept, origin'],
      ['keeps *', '*', '*'],
      ['joins a Vary list into one line', ['Accept', 'Cookie'], 'Accept, Cookie, Origin'],
    ])('%s', (_case, handlerVary, expected) => {
      const { response, pin } = setup();
      response.setHeader('Vary', 'Origin');
      pin(response, allowing(A), 'Origin');
      if (handlerVary === null) response.removeHeader('Vary');
      else response.setHeader('Vary', handlerVary);
      response.writeHead(200);
      expect(sent(response, 'Vary')).toEqual([expected]);
    });

    it('appends several pinned tokens, each once', () => {
      const { response, pin } = setup();
      pin(response, allowing(A), 'Origin, Access-Control-Request-Method');
      response.setHeader('Vary', 'Origin, Accept');
      response.writeHead(200);
      expect(sent(response, 'Vary')).toEqual(['Origin, Accept, Access-Control-Request-Method']);
    });

    it.each<[string, string | undefined, string[]]>([
      ["leaves the handler's Vary alone", 'Accept', ['Accept']],
      ['adds no Vary', undefined, []],
    ])('%s when the decision has no Vary tokens', (_case, handlerVary, expected) => {
      const { response, pin } = setup();
      response.setHeader(ACAO, A);
      pin(response, allowing(A), undefined);
      if (handlerVary !== undefined) response.setHeader('Vary', handlerVary);
      response.writeHead(200);
      expect(sent(response, 'Vary')).toEqual(expected);
      expect(sent(response, ACAO)).toEqual([A]);
    });
  });

  describe.each<[string, (headers: unknown) => unknown[], string]>([
    ['writeHead(status, headers)', (headers) => [200, headers], 'HTTP/1.1 200 OK'],
    [
      'writeHead(status, message, headers)',
      (headers) => [200, 'Fine', headers],
      'HTTP/1.1 200 Fine',
    ],
  ])('a header map passed as %s', (_shape, argsWith, expectedStatus) => {
    const writeHead = (response: ServerResponse, headers: unknown) =>
      (response.writeHead as unknown as WriteHead).apply(response, argsWith(headers));
    /** The header map that reached the writeHead underneath. */
    const headOf = (calls: WriteHeadCall[]) => calls[0].args.at(-1) as OutgoingHttpHeaders;

    it("gets the pinned values in a copy, never in the caller's map", () => {
      const { response, pin, calls } = setup();
      pin(response, allowing(A), 'Origin');
      const headers = Object.freeze({ 'access-control-allow-origin': HANDLER, vary: 'Accept' });
      writeHead(response, headers);
      expect(headers).toEqual({ 'access-control-allow-origin': HANDLER, vary: 'Accept' });
      expect(calls).toHaveLength(1);
      expect(calls[0].args).toHaveLength(argsWith(headers).length);
      expect(headOf(calls)).toEqual({ 'access-control-allow-origin': A, vary: 'Accept, Origin' });
      expect(statusLine(response)).toBe(expectedStatus);
      expect(sent(response, ACAO)).toEqual([A]);
      expect(sent(response, 'Vary')).toEqual(['Accept, Origin']);
    });

    it('gets the pinned values under names in any case, without adding names', () => {
      const { response, pin, calls } = setup();
      pin(response, allowing(A), 'Origin');
      writeHead(response, { 'Access-Control-Allow-Origin': HANDLER, Vary: 'Accept' });
      expect(headOf(calls)).toEqual({ 'Access-Control-Allow-Origin': A, Vary: 'Accept, Origin' });
      expect(sent(response, ACAO)).toEqual([A]);
      expect(sent(response, 'Vary')).toEqual(['Accept, Origin']);
    });

    it('gets Vary when neither it nor the response has one, and the response gets none', () => {
      const { response, pin, calls } = setup();
      pin(response, allowing(A), 'Origin');
      writeHead(response, { 'content-type': 'text/plain' });
      expect(headOf(calls)).toEqual({ 'content-type': 'text/plain', vary: 'Origin' });
      // Node would otherwise merge two header sets: the response must not have been given a Vary.
      expect(calls[0].headers).toEqual({});
      expect(response.getHeader('Vary')).toBeUndefined();
      expect(sent(response, 'Vary')).toEqual(['Origin']);
    });

    it("leaves the map's Vary out when the response has one, and appends to that", () => {
      const { response, pin, calls } = setup();
      pin(response, allowing(A), 'Origin');
      response.setHeader('Vary', 'Accept');
      writeHead(response, { 'content-type': 'text/plain' });
      expect(headOf(calls)).toEqual({ 'content-type': 'text/plain' });
      expect(calls[0].headers.vary).toBe('Accept, Origin');
      expect(sent(response, 'Vary')).toEqual(['Accept, Origin']);
    });

    it('puts the pinned value in both the map and the response when both have one', () => {
      const { response, pin, calls } = setup();
      response.setHeader(ACAO, HANDLER);
      pin(response, allowing(A), 'Origin');
      writeHead(response, { [ACAO]: 'https://map.test' });
      expect(headOf(calls)).toEqual({ [ACAO]: A, vary: 'Origin' });
      expect(calls[0].headers['access-control-allow-origin']).toBe(A);
      expect(sent(response, ACAO)).toEqual([A]);
    });

    it("keeps the map's Access-Control-Allow-Origin for a request without Origin", () => {
      const { response, pin, calls } = setup();
      pin(response, undefined, 'Origin');
      writeHead(response, { 'access-control-allow-origin': HANDLER, vary: 'Accept' });
      expect(headOf(calls)).toEqual({
        'access-control-allow-origin': HANDLER,
        vary: 'Accept, Origin',
      });
      expect(sent(response, ACAO)).toEqual([HANDLER]);
    });

    it('lets no Allow-Origin or Allow-Credentials of the map out for a refusal', () => {
      const { response, pin, calls } = setup();
      pin(response, [], 'Origin');
      writeHead(response, { [ACAO]: '*', [ACAC]: 'true', 'content-type': 'text/plain' });
      expect(headOf(calls)).toEqual({ 'content-type': 'text/plain', vary: 'Origin' });
      expect(sent(response, ACAO)).toEqual([]);
      expect(sent(response, ACAC)).toEqual([]);
    });

    it("gives the map the decision's Allow-Origin and Allow-Credentials, once each", () => {
      const { response, pin, calls } = setup();
      pin(response, allowing(A, [ACAC, 'true']), 'Origin');
      writeHead(response, {
        [ACAO]: HANDLER,
        'access-control-allow-origin': '*',
        'access-control-allow-credentials': 'false',
        'Access-Control-Expose-Headers': 'x-total-count',
      });
      expect(headOf(calls)).toEqual({
        [ACAO]: A,
        'access-control-allow-credentials': 'true',
        'Access-Control-Expose-Headers': 'x-total-count',
        vary: 'Origin',
      });
    });

    it('takes a list of [name, value] pairs as Node does', () => {
      const { response, pin, calls } = setup();
      pin(response, [], 'Origin');
      writeHead(response, [
        ['Content-Type', 'text/plain'],
        [ACAO, '*'],
      ]);
      expect(calls[0].args.at(-1)).toEqual(['Content-Type', 'text/plain', 'vary', 'Origin']);
      expect(sent(response, ACAO)).toEqual([]);
      expect(sent(response, 'Vary')).toEqual(['Origin']);
    });

    it("keeps the pinned values in a raw header list, fixing a copy and never the caller's list", () => {
      const { response, pin, calls } = setup();
      pin(response, allowing(A), 'Origin');
      const raw = [ACAO, HANDLER, 'Vary', 'Accept'];
      writeHead(response, raw);
      expect(raw).toEqual([ACAO, HANDLER, 'Vary', 'Accept']);
      expect(calls[0].args.at(-1)).toEqual([ACAO, A, 'Vary', 'Accept, Origin']);
      expect(sent(response, ACAO)).toEqual([A]);
      expect(sent(response, 'Vary')).toEqual(['Accept, Origin']);
    });

    it('sends one Access-Control-Allow-Origin from a raw header list that repeats it', () => {
      const { response, pin } = setup();
      pin(response, allowing(A), 'Origin');
      writeHead(response, [ACAO, HANDLER, 'Content-Type', 'text/plain', ACAO.toLowerCase(), B]);
      expect(sent(response, ACAO)).toEqual([A]);
      expect(sent(response, 'Content-Type')).toEqual(['text/plain']);
    });

    it('lets no answer header of a raw header list out for a refusal', () => {
      const { response, pin, calls } = setup();
      pin(response, [], 'Origin');
      writeHead(response, [ACAO, '*', 'Content-Type', 'text/plain', ACAC, 'true', ACAO, B]);
      expect(calls[0].args.at(-1)).toEqual(['Content-Type', 'text/plain', 'vary', 'Origin']);
    });

    it.each<[string, (response: ServerResponse) => void, string[]]>([
      [
        'without headers of its own, which sends every line',
        () => {},
        ['Accept', 'Cookie, Origin'],
      ],
      [
        'with headers of its own, which sends the last line of a name (Node 20) or every line (Node 22 on)',
        (response) => response.setHeader('Content-Type', 'text/plain'),
        SENDS_EVERY_LIST_LINE ? ['Accept', 'Cookie, Origin'] : ['Cookie, Origin'],
      ],
    ])(
      'puts the pinned Vary tokens once, in the last Vary line of a raw header list, on a response %s',
      (_case, prepare, expected) => {
        const { response, pin, calls } = setup();
        prepare(response);
        pin(response, allowing(A), 'Origin');
        writeHead(response, ['Vary', 'Accept', 'Vary', 'Cookie']);
        expect(calls[0].args.at(-1)).toEqual(['Vary', 'Accept', 'Vary', 'Cookie, Origin']);
        expect(sent(response, 'Vary')).toEqual(expected);
      },
    );

    it('adds the pinned Vary to a raw header list that has none', () => {
      const { response, pin } = setup();
      pin(response, allowing(A), 'Origin');
      writeHead(response, ['Content-Type', 'text/plain']);
      expect(sent(response, 'Vary')).toEqual(['Origin']);
    });
  });
  describe('a second decision for the same response', () => {
    it('sends the last Access-Control-Allow-Origin and every Vary token', () => {
      const { response, pin, calls } = setup();
      response.setHeader(ACAO, A);
      pin(response, allowing(A), 'Origin');
      response.setHeader(ACAO, B);
      pin(response, allowing(B), 'Cookie');
      response.setHeader(ACAO, A);
      response.writeHead(200);
      expect(sent(response, ACAO)).toEqual([B]);
      expect(sent(response, 'Vary')).toEqual(['Origin, Cookie']);
      expect(calls).toHaveLength(1);
    });

    it('puts the last value into a header map too', () => {
      const { response, pin, calls } = setup();
      pin(response, allowing(A), 'Origin');
      pin(response, allowing(B), 'Origin');
      response.writeHead(200, { 'access-control-allow-origin': A });
      expect(calls[0].args.at(-1)).toEqual({ 'access-control-allow-origin': B, vary: 'Origin' });
    });

    it("sends the handler's value when the last decision allows no origin", () => {
      const { response, pin } = setup();
      response.setHeader(ACAO, A);
      pin(response, allowing(A), 'Origin');
      pin(response, undefined, 'Origin');
      response.setHeader(ACAO, HANDLER);
      response.writeHead(200);
      expect(sent(response, ACAO)).toEqual([HANDLER]);
    });

    it('keeps the earlier Vary tokens when the last decision has none', () => {
      const { response, pin } = setup();
      pin(response, allowing(A), 'Origin');
      pin(response, allowing(B), undefined);
      response.writeHead(200);
      expect(sent(response, 'Vary')).toEqual(['Origin']);
    });

    it('does not wrap writeHead again', () => {
      const { response, pin, calls } = setup();
      pin(response, allowing(A), 'Origin');
      const wrapped = response.writeHead;
      pin(response, allowing(B), 'Origin');
      pin(response, allowing(A), 'Origin');
      expect(response.writeHead).toBe(wrapped);
      response.writeHead(200);
      expect(calls).toHaveLength(1);
    });
  });

  it('keeps the pinned values for the head written after one Node refused', () => {
    const { response, pin } = setup();
    response.setHeader(ACAO, A);
    pin(response, allowing(A), 'Origin');
    expect(() => response.writeHead(99)).toThrow();
    response.setHeader('Vary', 'Accept-Encoding');
    response.appendHeader(ACAO, HANDLER);
    response.writeHead(500);
    expect(sent(response, ACAO)).toEqual([A]);
    expect(sent(response, 'Vary')).toEqual(['Accept-Encoding, Origin']);
  });

  it("passes writeHead's arguments through", () => {
    const { response, pin, calls } = setup();
    pin(response, allowing(A), 'Origin');
    const headers = { 'content-type': 'text/plain' };
    response.writeHead(204, 'Nothing', headers);
    expect(calls).toHaveLength(1);
    expect(calls[0].args).toHaveLength(3);
    expect(calls[0].args[0]).toBe(204);
    expect(calls[0].args[1]).toBe('Nothing');
    expect(calls[0].args[2]).toEqual({ ...headers, vary: 'Origin' });
    expect(statusLine(response)).toBe('HTTP/1.1 204 Nothing');
  });

  it("passes writeHead's return value through", () => {
    const returned = { returned: true };
    const { response, pin, calls } = setup(() => returned);
    pin(response, allowing(A), 'Origin');
    expect(response.writeHead(200)).toBe(returned);
    expect(calls).toHaveLength(1);
  });

  it("returns Node's writeHead result: the response, for chaining", () => {
    const { response, pin } = setup();
    pin(response, allowing(A), 'Origin');
    expect(response.writeHead(200)).toBe(response);
  });
});

describe('pinOnResponse with a fastify reply as owner', () => {
  // fastify keeps a reply's headers in a map under this symbol and hands that map to writeHead.
  const REPLY_HEADERS = Symbol('fastify.reply.headers');
  const reply = (headers: OutgoingHttpHeaders) => ({
    [REPLY_HEADERS]: headers,
    getHeader: (name: string) => headers[name],
  });

  it("fixes the reply's own map in place: fastify made it for this response", () => {
    const { response, calls } = onResponse();
    const headers: OutgoingHttpHeaders = { 'access-control-allow-origin': HANDLER };
    pinOnResponse(response, allowing(A), 'Origin', reply(headers));
    response.writeHead(200, headers);
    expect(calls[0].args[1]).toBe(headers);
    expect(headers).toEqual({ 'access-control-allow-origin': A, vary: 'Origin' });
  });

  it.each<[string, unknown[]]>([
    ['its own Access-Control-Allow-Origin', [200, { 'Access-Control-Allow-Origin': '*' }]],
    ['no headers', [200]],
  ])(
    'gives a head written around the reply (hijacked) with %s the answer the reply holds',
    (_case, args) => {
      const { response } = onResponse();
      const owned = {
        'access-control-allow-origin': A,
        'access-control-allow-credentials': 'true',
      };
      pinOnResponse(response, allowing(A, [ACAC, 'true']), 'Origin', reply(owned));
      (response.writeHead as unknown as WriteHead).apply(response, args);
      expect(sent(response, ACAO)).toEqual([A]);
      expect(sent(response, ACAC)).toEqual(['true']);
      expect(sent(response, 'Vary')).toEqual(['Origin']);
    },
  );

  it("leaves the caller's map of a head written around the reply as it was", () => {
    const { response, calls } = onResponse();
    const owned = { 'access-control-allow-origin': A, 'access-control-allow-credentials': 'true' };
    pinOnResponse(response, allowing(A, [ACAC, 'true']), 'Origin', reply(owned));
    const shared = Object.freeze({ 'content-type': 'text/plain' });
    response.writeHead(200, shared);
    expect(shared).toEqual({ 'content-type': 'text/plain' });
    expect(calls[0].args[1]).toEqual({
      'content-type': 'text/plain',
      'access-control-allow-origin': A,
      'access-control-allow-credentials': 'true',
      vary: 'Origin',
    });
  });
});

describe('pinOnResponse only', () => {
  it('leaves other responses alone', () => {
    const calls: WriteHeadCall[] = [];
    const pinned = newResponse();
    const other = newResponse();
    const otherWriteHead = recordingWriteHead(calls) as ServerResponse['writeHead'];
    other.writeHead = otherWriteHead;
    pinOnResponse(pinned, allowing(A), 'Origin');
    other.setHeader(ACAO, HANDLER);
    other.writeHead(200);
    expect(other.writeHead).toBe(otherWriteHead);
    expect(sent(other, ACAO)).toEqual([HANDLER]);
    expect(sent(other, 'Vary')).toEqual([]);
  });

  it('runs the writeHead the response had when it was pinned', () => {
    const calls: WriteHeadCall[] = [];
    const response = newResponse();
    response.writeHead = recordingWriteHead(calls) as ServerResponse['writeHead'];
    pinOnResponse(response, allowing(A), 'Origin');
    response.setHeader('Vary', 'Accept');
    response.writeHead(200);
    expect(calls).toHaveLength(1);
    // The recording writeHead ran after the pinned values were put back.
    expect(calls[0].headers.vary).toBe('Accept, Origin');
  });
});

describe('pinThroughPrototype only', () => {
  it('passes responses that are not pinned through untouched', () => {
    const calls: WriteHeadCall[] = [];
    const prototype = appPrototype(calls);
    const pin = pinThroughPrototype(prototype);
    const pinned = onPrototype(prototype);
    const other = onPrototype(prototype);
    pin(pinned, allowing(A), 'Origin');
    other.setHeader(ACAO, HANDLER);
    other.setHeader('Vary', 'Accept');
    const before = other.getHeaders();
    const headers = { 'access-control-allow-origin': 'https://map.test', vary: 'X-Map' };
    other.writeHead(201, 'Made', headers);
    expect(calls).toHaveLength(1);
    expect(calls[0].args).toHaveLength(3);
    expect(calls[0].args[0]).toBe(201);
    expect(calls[0].args[1]).toBe('Made');
    expect(calls[0].args[2]).toBe(headers);
    expect(headers).toEqual({ 'access-control-allow-origin': 'https://map.test', vary: 'X-Map' });
    expect(calls[0].headers).toEqual(before);
    expect(sent(other, 'Vary')).toEqual(['X-Map']);
  });

  it('returns the same pin for a prototype, which it wraps once', () => {
    const calls: WriteHeadCall[] = [];
    const prototype = appPrototype(calls);
    const recording = prototype.writeHead;
    const first = pinThroughPrototype(prototype);
    const wrapped = prototype.writeHead;
    expect(wrapped).not.toBe(recording);
    const second = pinThroughPrototype(prototype);
    expect(second).toBe(first);
    expect(prototype.writeHead).toBe(wrapped);

    const response = onPrototype(prototype);
    response.setHeader(ACAO, A);
    second(response, allowing(A), 'Origin');
    response.setHeader(ACAO, HANDLER);
    response.writeHead(200);
    expect(calls).toHaveLength(1);
    expect(sent(response, ACAO)).toEqual([A]);
  });

  it('gives each prototype its own pin', () => {
    const prototypeA = appPrototype([]);
    const prototypeB = appPrototype([]);
    expect(pinThroughPrototype(prototypeA)).not.toBe(pinThroughPrototype(prototypeB));
  });

  it('adds no property to the responses it pins', () => {
    const prototype = appPrototype([]);
    const pin = pinThroughPrototype(prototype);
    const response = onPrototype(prototype);
    const keys = Reflect.ownKeys(response);
    pin(response, allowing(A), 'Origin');
    pin(response, allowing(B), 'Origin');
    expect(Reflect.ownKeys(response)).toEqual(keys);
    response.writeHead(200);
    expect(sent(response, 'Vary')).toEqual(['Origin']);
  });

  it('keeps the headers of a response another prototype took over', () => {
    // An express sub-app gives the response its own prototype, without the wrapper.
    const appCalls: WriteHeadCall[] = [];
    const subAppCalls: WriteHeadCall[] = [];
    const pin = pinThroughPrototype(appPrototype(appCalls));
    const response = onPrototype(appPrototype(subAppCalls));
    response.setHeader(ACAO, A);
    pin(response, allowing(A), 'Origin');
    response.setHeader(ACAO, HANDLER);
    response.setHeader('Vary', 'Accept');
    response.writeHead(200);
    expect(appCalls).toHaveLength(0);
    expect(subAppCalls).toHaveLength(1);
    expect(sent(response, ACAO)).toEqual([A]);
    expect(sent(response, 'Vary')).toEqual(['Accept, Origin']);
  });

  it('updates what a taken-over response keeps on a second decision', () => {
    const subAppCalls: WriteHeadCall[] = [];
    const pin = pinThroughPrototype(appPrototype([]));
    const response = onPrototype(appPrototype(subAppCalls));
    response.setHeader(ACAO, A);
    pin(response, allowing(A), 'Origin');
    pin(response, allowing(B), 'Cookie');
    response.writeHead(200);
    expect(subAppCalls).toHaveLength(1);
    expect(sent(response, ACAO)).toEqual([B]);
    expect(sent(response, 'Vary')).toEqual(['Origin, Cookie']);
  });

  it('moves an earlier record to the response when another wrapper comes between two decisions', () => {
    // on-headers (morgan, compression, response-time) puts its own writeHead on the response.
    const calls: WriteHeadCall[] = [];
    const prototype = appPrototype(calls);
    const pin = pinThroughPrototype(prototype);
    const response = onPrototype(prototype);
    response.setHeader(ACAO, '*');
    pin(response, allowing('*'), undefined);
    const inherited = response.writeHead as unknown as WriteHead;
    response.writeHead = function (this: ServerResponse, ...args: unknown[]) {
      return inherited.apply(this, args);
    } as ServerResponse['writeHead'];
    response.setHeader(ACAO, B);
    response.setHeader('Access-Control-Allow-Credentials', 'true');
    pin(response, allowing(B), 'Origin');
    response.writeHead(200);
    expect(calls).toHaveLength(1);
    expect(sent(response, ACAO)).toEqual([B]);
    expect(sent(response, 'Vary')).toEqual(['Origin']);
  });
});

describe('pinThroughPrototype on a connection', () => {
  /** Responses of one app, served one after the other on one connection. */
  function connection() {
    const calls: WriteHeadCall[] = [];
    const prototype = appPrototype(calls);
    const socket = new net.Socket();
    return { pin: pinThroughPrototype(prototype), prototype, socket, calls };
  }

  it('keeps a record per connection, reused by the next response on it', () => {
    const { pin, prototype, socket } = connection();
    const first = onPrototype(prototype);
    first.assignSocket(socket);
    pin(first, allowing(A), 'Origin');
    first.writeHead(200);
    first.detachSocket(socket);
    const second = onPrototype(prototype);
    second.assignSocket(socket);
    const keys = Reflect.ownKeys(second);
    pin(second, allowing(B), 'Cookie');
    expect(Reflect.ownKeys(second)).toEqual(keys);
    second.setHeader(ACAO, HANDLER);
    second.writeHead(200);
    expect(sent(first, ACAO)).toEqual([]);
    expect(sent(first, 'Vary')).toEqual(['Origin']);
    expect(sent(second, ACAO)).toEqual([B]);
    expect(sent(second, 'Vary')).toEqual(['Cookie']);
  });

  it('keeps their own record for a pipelined response still waiting for the connection', () => {
    const { pin, prototype, socket } = connection();
    const first = onPrototype(prototype);
    first.assignSocket(socket);
    const waiting = onPrototype(prototype);
    pin(first, allowing(A), 'Origin');
    pin(waiting, allowing(B), 'Cookie');
    waiting.setHeader(ACAO, HANDLER);
    first.writeHead(200);
    first.detachSocket(socket);
    waiting.assignSocket(socket);
    waiting.writeHead(200);
    expect(sent(first, 'Vary')).toEqual(['Origin']);
    expect(sent(waiting, ACAO)).toEqual([B]);
    expect(sent(waiting, 'Vary')).toEqual(['Cookie']);
  });

  it('gives the next response nothing of one whose head went out around the wrapper', () => {
    const { pin, prototype, socket } = connection();
    const first = onPrototype(prototype);
    first.assignSocket(socket);
    pin(first, allowing(A), 'Origin');
    nodeWriteHead.call(first, 200);
    first.detachSocket(socket);
    const next = onPrototype(prototype);
    next.assignSocket(socket);
    next.setHeader(ACAO, HANDLER);
    next.writeHead(200);
    expect(sent(next, ACAO)).toEqual([HANDLER]);
    expect(sent(next, 'Vary')).toEqual([]);
  });
});

describe('writeHead(status, undefined or null, headers)', () => {
  it.each([undefined, null])('finds the headers in the third argument after %s', (message) => {
    const { response, pin } = onResponse();
    response.setHeader(ACAO, A);
    pin(response, allowing(A), 'Origin');
    (response.writeHead as unknown as WriteHead).call(response, 200, message, {
      vary: 'Accept',
      'access-control-allow-origin': 'https://evil.test',
    });
    expect(sent(response, ACAO)).toEqual([A]);
    expect(sent(response, 'Vary')).toEqual(['Accept, Origin']);
  });
});
