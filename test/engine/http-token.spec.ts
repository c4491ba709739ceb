import { describe, expect, it } from '@jest/globals';
import { DEFAULT_ALLOWED_METHODS, normalizeMethod } from '../../lib/engine/index.js';
import { isToken, SAFELISTED_METHODS, splitList } from '../../lib/engine/headers/http-token.js';

describe('normalizeMethod', () => {
  it.each([
    ['get', 'GET'],
    ['Get', 'GET'],
    ['head', 'HEAD'],
    ['post', 'POST'],
    ['put', 'PUT'],
    ['delete', 'DELETE'],
    ['Options', 'OPTIONS'],
    ['PUT', 'PUT'],
    // Every other method keeps its case: browsers send it as written.
    ['patch', 'patch'],
    ['Patch', 'Patch'],
    ['PATCH', 'PATCH'],
    ['propfind', 'propfind'],
    ['CONNECT', 'CONNECT'],
  ])('%j -> %j', (method, expected) => {
    expect(normalizeMethod(method)).toBe(expected);
  });
});

describe('isToken', () => {
  it.each<[value: string, token: boolean]>([
    ['GET', true],
    ['x-custom-header', true],
    ["!#$%&'*+-.^_`|~", true],
    ['', false],
    ['GE T', false],
    ['x:y', false],
    ['x,y', false],
    ['x/y', false],
    ['"x"', false],
    ['GET\r\n', false],
    ['x-ä', false],
  ])('%j -> %p', (value, token) => {
    expect(isToken(value)).toBe(token);
  });
});

describe('splitList', () => {
  it.each<[value: string | readonly string[], items: string[]]>([
    ['GET,PUT', ['GET', 'PUT']],
    [' GET , PUT ,, ', ['GET', 'PUT']],
    ['', []],
    [
      [' x-a ', '', 'x-b'],
      ['x-a', 'x-b'],
    ],
    [[], []],
  ])('%j -> %j', (value, items) => {
    expect(splitList(value)).toEqual(items);
  });
});

describe('method constants', () => {
  it('safelists exactly GET, HEAD and POST', () => {
    expect([...SAFELISTED_METHODS].sort()).toEqual(['GET', 'HEAD', 'POST']);
  });

  it('defaults to what app.enableCors() allows', () => {
    expect(DEFAULT_ALLOWED_METHODS).toBe('GET,HEAD,PUT,PATCH,POST,DELETE');
  });
});
