import { describe, expect, it } from '@jest/globals';
import http, { type ServerResponse } from 'node:http';
import http2 from 'node:http2';
import net from 'node:net';
import { ResponseSlots } from '../../lib/request-path/response-slots.js';

function newResponse(socket?: net.Socket): ServerResponse {
  const response = new http.ServerResponse(new http.IncomingMessage(new net.Socket()));
  if (socket !== undefined) response.assignSocket(socket);
  return response;
}

/** Serves the response to its end on its socket, as Node does before the next one on the connection. */
function finish(response: ServerResponse): void {
  response.writeHead(200);
  response.detachSocket(response.socket!);
}

/** What the slots put on a socket, by symbol. */
function slotsOn(socket: net.Socket): unknown[] {
  return Object.getOwnPropertySymbols(socket)
    .filter((symbol) => symbol.description === 'nestjs-cors:response-slot')
    .map((symbol) => (socket as unknown as Record<symbol, unknown>)[symbol]);
}

describe('ResponseSlots', () => {
  it('keeps a value per response on its socket, one slot however many responses it serves', () => {
    const slots = new ResponseSlots<string>();
    const socket = new net.Socket();
    const first = newResponse(socket);
    const keys = Reflect.ownKeys(first);
    slots.set(first, 'first');
    expect(slots.get(first)).toBe('first');
    expect(Reflect.ownKeys(first)).toEqual(keys);
    finish(first);
    const second = newResponse(socket);
    slots.set(second, 'second');
    expect(slots.get(second)).toBe('second');
    expect(slotsOn(socket)).toHaveLength(1);
  });

  it('never gives a response the value of the one before it on the connection', () => {
    const slots = new ResponseSlots<string>();
    const socket = new net.Socket();
    const first = newResponse(socket);
    slots.set(first, 'first');
    finish(first);
    const second = newResponse(socket);
    expect(slots.get(second)).toBeUndefined();
  });

  it('updates the value of a response that has one', () => {
    const slots = new ResponseSlots<string>();
    const response = newResponse(new net.Socket());
    slots.set(response, 'early');
    slots.set(response, 'late');
    expect(slots.get(response)).toBe('late');
  });

  it('keeps the value of a response still waiting for its socket, and finds it once it has one', () => {
    const slots = new ResponseSlots<string>();
    const socket = new net.Socket();
    const first = newResponse(socket);
    const waiting = newResponse();
    slots.set(first, 'first');
    slots.set(waiting, 'waiting');
    expect(slots.get(waiting)).toBe('waiting');
    finish(first);
    waiting.assignSocket(socket);
    expect(slots.get(waiting)).toBe('waiting');
    slots.set(waiting, 'updated');
    expect(slots.get(waiting)).toBe('updated');
    slots.delete(waiting);
    expect(slots.get(waiting)).toBeUndefined();
  });

  it("uses a socket's slot only for the response Node gave the socket to", () => {
    const slots = new ResponseSlots<string>();
    const socket = new net.Socket();
    const holder = newResponse(socket);
    const other = newResponse();
    Object.assign(other, { socket });
    slots.set(other, 'other');
    expect(slotsOn(socket)).toEqual([]);
    slots.set(holder, 'holder');
    expect([slots.get(holder), slots.get(other)]).toEqual(['holder', 'other']);
  });

  it('keeps their own value for concurrent HTTP/2 streams of one session', async () => {
    const slots = new ResponseSlots<string>();
    const server = http2.createServer();
    const seen: Array<string | undefined> = [];
    let streams = 0;
    const bothArrived = new Promise<void>((resolve) => {
      server.on('request', (request, response) => {
        const node = response as unknown as ServerResponse;
        slots.set(node, request.url);
        if (++streams === 2) resolve();
        void bothArrived.then(() => {
          seen.push(slots.get(node));
          response.end(slots.get(node) ?? 'none');
        });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as net.AddressInfo;
    const session = http2.connect(`http://127.0.0.1:${port}`);
    const fetchBody = (path: string) =>
      new Promise<string>((resolve, reject) => {
        let body = '';
        session
          .request({ ':path': path })
          .setEncoding('utf8')
          .on('data', (chunk: string) => (body += chunk))
          .on('end', () => resolve(body))
          .on('error', reject);
      });
    try {
      expect(await Promise.all([fetchBody('/first'), fetchBody('/second')])).toEqual([
        '/first',
        '/second',
      ]);
      expect(seen.sort()).toEqual(['/first', '/second']);
    } finally {
      session.close();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('keeps their own value for responses sharing a socket at once', () => {
    const slots = new ResponseSlots<string>();
    const socket = new net.Socket();
    // As HTTP/2 streams share their session's socket.
    const [first, second] = [newResponse(), newResponse()];
    for (const response of [first, second]) Object.assign(response, { socket });
    slots.set(first, 'first');
    slots.set(second, 'second');
    expect([slots.get(first), slots.get(second)]).toEqual(['first', 'second']);
  });

  it('lets go of a response it forgets', () => {
    const slots = new ResponseSlots<string>();
    const socket = new net.Socket();
    const response = newResponse(socket);
    slots.set(response, 'value');
    slots.delete(response);
    expect(slots.get(response)).toBeUndefined();
    expect(slotsOn(socket)).toEqual([{ owner: undefined, value: undefined }]);
  });

  it('keeps the value of a response-like object without a socket property', () => {
    const slots = new ResponseSlots<string>();
    const response = newResponse();
    Object.assign(response, { socket: undefined });
    slots.set(response, 'value');
    expect(slots.get(response)).toBe('value');
  });

  it('gives each instance its own slot', () => {
    const [one, two] = [new ResponseSlots<string>(), new ResponseSlots<string>()];
    const response = newResponse(new net.Socket());
    one.set(response, 'one');
    expect(two.get(response)).toBeUndefined();
    two.set(response, 'two');
    expect([one.get(response), two.get(response)]).toEqual(['one', 'two']);
  });
});
