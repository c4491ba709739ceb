import { describe, expect, it, jest } from '@jest/globals';
import type { CallHandler, ExecutionContext } from '@nestjs/common';
import { of } from 'rxjs';
import { CorsInterceptor } from '../../../lib/request-path/cors.interceptor.js';

class Touched extends Error {}

/**
 * Fakes for the interceptor's constructor dependencies. The constructor may
 * subscribe to them (it gets inert values, whatever it reads or calls); once
 * `arm()` is called, any access throws, so intercept() must not look at them.
 */
function dependencies(count: number) {
  let armed = false;
  const inert: unknown = new Proxy(function () {}, {
    get: () => inert,
    apply: () => inert,
  });
  const fakes = Array.from(
    { length: count },
    (_, i) =>
      new Proxy(
        {},
        {
          get(_target, property) {
            if (armed) throw new Touched(`dependency ${i}.${String(property)} was accessed`);
            return inert;
          },
        },
      ),
  );
  return { fakes, arm: () => (armed = true) };
}

function fakeContext(type: string) {
  const refuse = (what: string) =>
    jest.fn(() => {
      throw new Touched(`context.${what}() was called`);
    });
  return {
    getType: jest.fn(() => type),
    switchToHttp: refuse('switchToHttp'),
    switchToRpc: refuse('switchToRpc'),
    switchToWs: refuse('switchToWs'),
    getClass: refuse('getClass'),
    getHandler: refuse('getHandler'),
    getArgs: refuse('getArgs'),
    getArgByIndex: refuse('getArgByIndex'),
  };
}

function armedInterceptor(): CorsInterceptor {
  const { fakes, arm } = dependencies(CorsInterceptor.length);
  const interceptor = new (
    CorsInterceptor as unknown as new (...args: unknown[]) => CorsInterceptor
  )(...fakes);
  arm();
  return interceptor;
}

describe('CorsInterceptor outside HTTP', () => {
  it.each(['rpc', 'ws'])('returns next.handle() unchanged for a %s context', (type) => {
    const stream = of('result');
    const next = { handle: jest.fn(() => stream) } satisfies CallHandler;
    const context = fakeContext(type);

    const result = armedInterceptor().intercept(context as unknown as ExecutionContext, next);

    expect(result).toBe(stream);
    expect(next.handle).toHaveBeenCalledTimes(1);
    expect(context.getType).toHaveBeenCalled();
    expect(context.switchToHttp).not.toHaveBeenCalled();
    expect(context.getClass).not.toHaveBeenCalled();
    expect(context.getHandler).not.toHaveBeenCalled();
    expect(context.getArgs).not.toHaveBeenCalled();
  });

  // Shows the fakes above do catch access: an HTTP context reaches the policy table.
  it('does reach its dependencies for an http context', () => {
    const next = { handle: jest.fn(() => of('result')) } satisfies CallHandler;
    const context = fakeContext('http');
    expect(() =>
      armedInterceptor().intercept(context as unknown as ExecutionContext, next),
    ).toThrow(Touched);
    expect(next.handle).not.toHaveBeenCalled();
  });
});
