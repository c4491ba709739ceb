import type { AbstractHttpAdapter, HttpAdapterHost } from '@nestjs/core';

type AdapterListener = (adapter: AbstractHttpAdapter) => void;

/** The listeners of each host whose adapter setter is wrapped. */
const listenersByHost = new WeakMap<HttpAdapterHost, AdapterListener[]>();

/**
 * Calls `listener` with the application's HTTP adapter (a standalone context
 * has none): now if it has one, else once it has, and again for every
 * application made later from the same container. A testing module compiled
 * once may make an application for each test, each with its own adapter,
 * while the providers (and so this library) are made once; Nest's `init$`
 * tells only of the first adapter.
 */
export function eachHttpAdapter(host: HttpAdapterHost, listener: AdapterListener): void {
  let listeners = listenersByHost.get(host);
  if (listeners === undefined && watchAdapterChanges(host))
    listenersByHost.set(host, (listeners = []));
  if (listeners !== undefined) {
    listeners.push(listener);
    if (host.httpAdapter != null) listener(host.httpAdapter);
    return;
  }
  host.init$.subscribe(() => {
    if (host.httpAdapter != null) listener(host.httpAdapter);
  });
}

/**
 * Nest sets the host's `httpAdapter` for each application it makes; the
 * setter (on HttpAdapterHost's prototype) is wrapped on this host alone.
 * Should a Nest version define it otherwise, `init$` tells of the first
 * application only.
 */
function watchAdapterChanges(host: HttpAdapterHost): boolean {
  const accessor = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(host), 'httpAdapter');
  const get = accessor?.get;
  const set = accessor?.set;
  if (get === undefined || set === undefined) return false;
  Object.defineProperty(host, 'httpAdapter', {
    configurable: true,
    get,
    // A standalone context (createApplicationContext, createMicroservice) sets null.
    set(this: HttpAdapterHost, adapter: AbstractHttpAdapter | null | undefined) {
      set.call(this, adapter);
      if (adapter != null)
        for (const listener of listenersByHost.get(this) ?? []) listener(adapter);
    },
  });
  return true;
}
