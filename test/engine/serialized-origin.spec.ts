import { describe, expect, it } from '@jest/globals';
import {
  isLoopbackHost,
  type ParsedOrigin,
  parseOrigin,
  serializeOrigin,
} from '../../lib/engine/origin/serialized-origin.js';
import { MALFORMED_ORIGINS } from './engine-test-helpers.js';

describe('parseOrigin', () => {
  it.each<[value: string, parsed: ParsedOrigin]>([
    ['https://app.example.com', { scheme: 'https', host: 'app.example.com', port: '' }],
    ['https://APP.Example.com', { scheme: 'https', host: 'app.example.com', port: '' }],
    ['http://localhost:3000', { scheme: 'http', host: 'localhost', port: '3000' }],
    ['http://127.0.0.1:8080', { scheme: 'http', host: '127.0.0.1', port: '8080' }],
    ['http://[::1]:3000', { scheme: 'http', host: '[::1]', port: '3000' }],
    ['https://[2001:DB8::1]', { scheme: 'https', host: '[2001:db8::1]', port: '' }],
    // A default port of another scheme is not a default port here.
    ['https://example.com:80', { scheme: 'https', host: 'example.com', port: '80' }],
    ['http://example.com:443', { scheme: 'http', host: 'example.com', port: '443' }],
    ['https://example.com:65535', { scheme: 'https', host: 'example.com', port: '65535' }],
    ['moz-extension://abc-def', { scheme: 'moz-extension', host: 'abc-def', port: '' }],
    ['https://_dmarc.example.com', { scheme: 'https', host: '_dmarc.example.com', port: '' }],
  ])('parses %j', (value, parsed) => {
    expect(parseOrigin(value)).toEqual(parsed);
  });

  it.each([
    ...MALFORMED_ORIGINS,
    'https://example.com:65536',
    'https://example.com:0',
    'https://-app.example.com',
    'https://app-.example.com',
    'https://exa mple.com',
    'https://exämple.com',
    'file:///etc/passwd',
    'https://' + 'a'.repeat(2100) + '.example.com',
  ])('refuses %j', (value) => {
    expect(parseOrigin(value)).toBeUndefined();
  });

  it.each([
    'https://app.example.com',
    'http://localhost:3000',
    'http://[::1]:3000',
    'https://example.com:8443',
  ])('round-trips the canonical origin %j', (value) => {
    expect(serializeOrigin(parseOrigin(value)!)).toBe(value);
  });
});

describe('isLoopbackHost', () => {
  it.each<[host: string, loopback: boolean]>([
    ['localhost', true],
    ['app.localhost', true],
    ['127.0.0.1', true],
    ['127.1.2.3', true],
    ['[::1]', true],
    ['localhost.example.com', false],
    ['evil-localhost', false],
    ['128.0.0.1', false],
    ['127.0.0.1.evil.test', false],
    ['192.168.1.10', false],
    ['example.com', false],
  ])('%j -> %p', (host, loopback) => {
    expect(isLoopbackHost(host)).toBe(loopback);
  });
});
