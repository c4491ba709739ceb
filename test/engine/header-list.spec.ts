import { describe, expect, it } from '@jest/globals';
import {
  MAX_REQUEST_HEADER_NAMES,
  MAX_REQUEST_HEADERS_LENGTH,
  parseHeaderList,
} from '../../lib/engine/headers/header-list.js';

const names = (count: number, prefix = 'x-h') =>
  Array.from({ length: count }, (_, i) => `${prefix}${i}`);

describe('parseHeaderList accepts', () => {
  it.each<[label: string, value: string | readonly string[] | undefined, names: string[]]>([
    ['no header', undefined, []],
    ['an empty value', '', []],
    ['only separators', ' , ,\t,', []],
    ['no header lines', [], []],
    ['empty header lines', ['', ''], []],
    ['one name', 'authorization', ['authorization']],
    ["the browser's canonical form", 'content-type,x-trace', ['content-type', 'x-trace']],
    ['mixed case', 'Content-Type,X-Trace', ['content-type', 'x-trace']],
    ['spaces after commas', 'content-type, x-trace', ['content-type', 'x-trace']],
    ['spaces and tabs around names', ' content-type\t,\t x-trace ', ['content-type', 'x-trace']],
    ['empty elements', ',content-type,,x-trace,', ['content-type', 'x-trace']],
    ['several header lines', ['content-type', 'X-Trace'], ['content-type', 'x-trace']],
    ['lines that are lists', ['a, B', ' c ', '', 'd,'], ['a', 'b', 'c', 'd']],
    ['every token character', "!#$%&'*+-.^_`|~09az", ["!#$%&'*+-.^_`|~09az"]],
    ['a literal *', '*', ['*']],
    ['repeated names, in request order', 'x-b,x-a,x-b', ['x-b', 'x-a', 'x-b']],
  ])('%s', (_label, value, expected) => {
    const result = parseHeaderList(value);
    expect(result).toEqual({ ok: true, names: expected, joined: expected.join(',') });
  });

  it.each(['content-type,x-trace', 'authorization', 'x-a,x-b,x-c'])(
    'echoes the canonical value %j unchanged',
    (value) => {
      const result = parseHeaderList(value);
      expect(result.ok && result.joined).toBe(value);
    },
  );

  it(`accepts exactly ${MAX_REQUEST_HEADER_NAMES} names`, () => {
    const list = names(MAX_REQUEST_HEADER_NAMES);
    expect(parseHeaderList(list.join(','))).toEqual({
      ok: true,
      names: list,
      joined: list.join(','),
    });
  });

  it(`accepts a value of exactly ${MAX_REQUEST_HEADERS_LENGTH} characters`, () => {
    const value = 'x'.repeat(MAX_REQUEST_HEADERS_LENGTH);
    expect(parseHeaderList(value)).toEqual({ ok: true, names: [value], joined: value });
  });
});

describe('parseHeaderList refuses', () => {
  it.each<[label: string, value: string | readonly string[], problem: string]>([
    ['a space inside a name', 'x trace', 'invalid-name'],
    ['a space inside a name, after a valid one', 'content-type, x trace', 'invalid-name'],
    ['two names split over a tab', 'x-a\tx-b', 'invalid-name'],
    ['a semicolon', 'x-a;x-b', 'invalid-name'],
    ['a colon', 'x-a:1', 'invalid-name'],
    ['a slash', 'x/y', 'invalid-name'],
    ['quotes', '"x-a"', 'invalid-name'],
    ['parentheses', '(x-a)', 'invalid-name'],
    ['CR LF', 'x-a\r\nx-b', 'invalid-name'],
    ['a NUL', 'x-a\u0000', 'invalid-name'],
    ['a DEL', 'x-a\u007f', 'invalid-name'],
    ['non-ASCII letters', 'x-ä', 'invalid-name'],
    ['a non-breaking space', 'x-a,\u00a0x-b', 'invalid-name'],
    ['an invalid line among valid ones', ['x-a', 'x b'], 'invalid-name'],
    ['one name too many', names(MAX_REQUEST_HEADER_NAMES + 1).join(','), 'too-many'],
    ['one name too many, over several lines', names(MAX_REQUEST_HEADER_NAMES + 1), 'too-many'],
    ['one character too many', 'x'.repeat(MAX_REQUEST_HEADERS_LENGTH + 1), 'too-long'],
  ])('%s', (_label, value, problem) => {
    expect(parseHeaderList(value)).toEqual({ ok: false, problem });
  });

  const MiB = 1 << 20;
  it.each<[label: string, value: string | readonly string[]]>([
    ['a 1 MiB value', 'x'.repeat(MiB)],
    ['a 1 MiB list of valid names', 'x-a,'.repeat(MiB / 4)],
    ['10,000 names in one value', names(10_000).join(',')],
    ['10,000 names on separate lines', names(10_000)],
    ['10,000 names with spaces', names(10_000).join(' , ')],
    // Within the length limit, so that the parse itself is timed, not the length check.
    ['4,096 characters of one-letter names', 'a,'.repeat(MAX_REQUEST_HEADERS_LENGTH / 2)],
    ['4,096 characters of names and spaces', 'a , '.repeat(MAX_REQUEST_HEADERS_LENGTH / 4)],
    ['a 4,095-character name, then a semicolon', `${'x'.repeat(MAX_REQUEST_HEADERS_LENGTH - 1)};`],
  ])('%s, quickly', (_label, value) => {
    const tenRefusals = () => {
      const started = performance.now();
      for (let i = 0; i < 10; i++) expect(parseHeaderList(value).ok).toBe(false);
      return performance.now() - started;
    };
    // Ten refusals of hostile values must not cost what parsing them would. The
    // fastest of three counts: a pause of the machine passes on another, a slow parse never.
    expect(Math.min(tenRefusals(), tenRefusals(), tenRefusals())).toBeLessThan(200);
  });
});
