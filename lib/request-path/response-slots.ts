import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** A connection's slot: the value kept for the response it is serving. */
interface Slot<T> {
  owner: ServerResponse | undefined;
  value: T | undefined;
}

type SlottedSocket<T> = Socket & {
  readonly _httpMessage?: unknown;
  [key: symbol]: Slot<T> | undefined;
};

/**
 * A value per Node response, kept on the response's socket: one slot per
 * connection, reused by each of its responses in turn. A WeakMap entry per
 * response costs a new identity hash and an ephemeron that every scavenge
 * traces, and an express response takes microseconds to get a property of its
 * own (its prototype is in dictionary mode); a slot on the socket is written
 * once per connection.
 *
 * An HTTP/1.1 socket serves one response at a time: Node hands it to the next
 * pipelined response only once the one before has finished. A response that
 * does not hold its socket (a pipelined one waiting for its turn, an HTTP/2
 * stream) is kept in a WeakMap instead.
 *
 * A slot holds its last owner until the connection's next response takes it or
 * `delete` frees it: a user that cannot delete at a response's end keeps that
 * response alive as long as an idle connection, so uses a WeakMap instead.
 */
export class ResponseSlots<T> {
  private readonly key = Symbol('nestjs-cors:response-slot');
  private readonly elsewhere = new WeakMap<ServerResponse, T>();

  get(response: ServerResponse): T | undefined {
    const slot = this.slotOf(response);
    return slot?.owner === response ? slot.value : this.elsewhere.get(response);
  }

  set(response: ServerResponse, value: T): void {
    const socket = response.socket as SlottedSocket<T> | null | undefined;
    // Only the response Node gave the socket to may use its slot: `_httpMessage`
    // is set by `assignSocket` and cleared by `detachSocket` (an HTTP/2 stream's
    // socket is a proxy of the session's, and never has it).
    if (socket?._httpMessage !== response || this.elsewhere.has(response)) {
      this.elsewhere.set(response, value);
      return;
    }
    const slot = socket[this.key];
    if (slot === undefined) socket[this.key] = { owner: response, value };
    else {
      slot.owner = response;
      slot.value = value;
    }
  }

  /** Forgets a response's value, so that nothing holds on to the response. */
  delete(response: ServerResponse): void {
    const slot = this.slotOf(response);
    if (slot?.owner !== response) {
      this.elsewhere.delete(response);
      return;
    }
    slot.owner = undefined;
    slot.value = undefined;
  }

  private slotOf(response: ServerResponse): Slot<T> | undefined {
    return (response.socket as SlottedSocket<T> | null | undefined)?.[this.key];
  }
}
