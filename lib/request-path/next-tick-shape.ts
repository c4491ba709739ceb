import { executionAsyncResource } from 'node:async_hooks';

/**
 * One of Node's tick objects, kept for the life of the process.
 *
 * `process.nextTick` builds each tick object from one object literal, and
 * Node's HTTP server calls it several times per request. While no tick is
 * pending nothing holds that literal's hidden classes, so a full garbage
 * collection drops them and the next tick makes new ones. The bootstrap of a
 * fastify app with a few thousand routes (2,000 on Node 20, 5,000 on Node 22
 * and 24) runs enough collections that the literal's property stores see
 * four classes, go megamorphic, and are compiled as runtime calls for the
 * life of the process: every `nextTick` then costs
 * about a microsecond more, a quarter fewer preflights per second with 10,000
 * routes than with 20 (Node 20, 22 and 24; in any such app, with CORS or
 * without). A tick object that stays alive keeps its classes, and the stores
 * stay monomorphic. It holds a no-op callback and nothing else: a store an
 * AsyncLocalStorage put on it (Node 20 keeps them on the resource) is let go.
 */
let keptTick: object | undefined;
let requested = false;

/** Keeps a tick object from now on; called when the app's module is declared, before its bootstrap. */
export function keepNextTickShape(): void {
  if (requested) return;
  requested = true;
  process.nextTick(function keep() {
    // Inside a tick's callback, the resource Node is running is that tick object,
    // unless nextTick is faked (jest's fake timers): then nothing is kept, and the
    // next call tries again.
    const resource = executionAsyncResource() as Record<string | symbol, unknown>;
    if (resource.callback !== keep) {
      requested = false;
      return;
    }
    // Set to undefined, not deleted: the object keeps its hidden class.
    for (const key of Object.getOwnPropertySymbols(resource))
      if (!TICK_IDS.has(key.description ?? '')) resource[key] = undefined;
    keptTick = resource;
  });
}

/** The symbols Node's tick objects carry of their own; any other is an AsyncLocalStorage's store. */
const TICK_IDS = new Set(['async_id_symbol', 'trigger_async_id_symbol']);

/** The tick object kept, once its tick has run. */
export function keptTickObject(): object | undefined {
  return keptTick;
}
