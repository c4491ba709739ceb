import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/** A connection's slot: the value kept for the response it is serving. */
interface Slot<T> {
  owner: ServerResponse | undefined;
  value: T | undefined;
}

type SlottedSocket<T> = Socket & { [key: symbol]: Slot<T> | undefined };

/**
 * A value per Node response, kept on the response's socket: one slot per
 * connection, reused by each of its responses in turn. A WeakMap entry per
 * response costs a new identity hash and an ephemeron that every scavenge
 * traces, and an express response takes microseconds to get a property of its
 * own (its prototype is in dictionary mode); a slot on the socket is written
 * once per connection.
 *
 * An HTTP/1.1 socket serves one response at a time: Node hands it to the next
 * pipelined response only once the one before has finished and let go of it,
 * so a slot whose owner no longer has the socket is free. A response without a
 * socket yet (a pipelined one waiting for its turn), or one whose socket another
 * response still holds (never on HTTP/1.1), is kept in a WeakMap instead.
 */
export class ResponseSlots<T> {
  private readonly key = Symbol('nestjs-cors:response-slot');
  private readonly elsewhere = new WeakMap<ServerResponse, T>();

  get(response: ServerResponse): T | undefined {
    const slot = this.slotOf(response);
    return slot?.owner === response ? slot.value : this.elsewhere.get(response);
  }

  set(response: ServerResponse, value: T): void {
    const slot = this.slotOf(response);
    if (slot?.owner === response) {
      slot.value = value;
      return;
    }
    const socket = response.socket as SlottedSocket<T> | null | undefined;
    if (socket === null || socket === undefined || this.elsewhere.has(response)) {
      this.elsewhere.set(response, value);
    } else if (slot === undefined) {
      socket[this.key] = { owner: response, value };
    } else if (slot.owner === undefined || slot.owner.socket !== socket) {
      slot.owner = response;
      slot.value = value;
    } else {
      this.elsewhere.set(response, value);
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
