import { describe, expect, it } from '@jest/globals';
import { HttpAdapterHost, type AbstractHttpAdapter } from '@nestjs/core';
import { ReplaySubject } from 'rxjs';
import { eachHttpAdapter } from '../../lib/policy-table/each-http-adapter.js';

const adapter = (name: string) => ({ name }) as unknown as AbstractHttpAdapter;

describe('eachHttpAdapter', () => {
  it("tells of the host's adapter at once, and of every later one, to every listener", () => {
    const host = new HttpAdapterHost();
    const [first, second, third] = [adapter('first'), adapter('second'), adapter('third')];
    host.httpAdapter = first;
    const early: unknown[] = [];
    const late: unknown[] = [];
    eachHttpAdapter(host, (each) => early.push(each));
    host.httpAdapter = second;
    eachHttpAdapter(host, (each) => late.push(each));
    host.httpAdapter = third;
    expect(early).toEqual([first, second, third]);
    expect(late).toEqual([second, third]);
    expect(host.httpAdapter).toBe(third);
  });

  it('waits for an adapter when the host has none yet, and passes over an unset one', () => {
    const host = new HttpAdapterHost();
    const told: unknown[] = [];
    eachHttpAdapter(host, (each) => told.push(each));
    expect(told).toEqual([]);
    const only = adapter('only');
    host.httpAdapter = only;
    host.httpAdapter = undefined as unknown as AbstractHttpAdapter;
    expect(told).toEqual([only]);
  });

  it("leaves other hosts' adapters alone", () => {
    const watched = new HttpAdapterHost();
    const other = new HttpAdapterHost();
    const told: unknown[] = [];
    eachHttpAdapter(watched, (each) => told.push(each));
    other.httpAdapter = adapter('other');
    expect(told).toEqual([]);
  });

  it('falls back to init$, the first adapter only, where the host has no adapter setter', () => {
    const init$ = new ReplaySubject<void>();
    const host = { httpAdapter: undefined, init$ } as unknown as HttpAdapterHost;
    const told: unknown[] = [];
    eachHttpAdapter(host, (each) => told.push(each));
    const first = adapter('first');
    (host as { httpAdapter: unknown }).httpAdapter = first;
    init$.next();
    init$.complete();
    (host as { httpAdapter: unknown }).httpAdapter = adapter('second');
    expect(told).toEqual([first]);
  });
});
