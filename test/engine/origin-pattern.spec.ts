import { describe, expect, it } from '@jest/globals';
import { CorsConfigurationError } from '../../lib/engine/index.js';
import {
  compileOriginPattern,
  matchesPattern,
  type OriginPattern,
} from '../../lib/engine/origin/origin-pattern.js';
import { parseOrigin } from '../../lib/engine/origin/serialized-origin.js';
import { configurationErrorOf } from './engine-test-helpers.js';

function matches(pattern: string, origin: string): boolean {
  const parsed = parseOrigin(origin);
  if (parsed === undefined) throw new Error(`${origin} is not a serialized origin`);
  return matchesPattern(compileOriginPattern(pattern), parsed);
}

describe('compileOriginPattern', () => {
  it.each<[source: string, compiled: Omit<OriginPattern, 'source'>]>([
    [
      'https://*.example.com',
      { scheme: 'https', host: '.example.com', subdomains: true, port: '' },
    ],
    [
      'https://example.com:*',
      { scheme: 'https', host: 'example.com', subdomains: false, port: '*' },
    ],
    [
      'https://*.example.com:*',
      { scheme: 'https', host: '.example.com', subdomains: true, port: '*' },
    ],
    [
      'https://*.example.com:8443',
      { scheme: 'https', host: '.example.com', subdomains: true, port: '8443' },
    ],
    ['http://localhost:*', { scheme: 'http', host: 'localhost', subdomains: false, port: '*' }],
    // A registrable domain under a public suffix: one owner's.
    [
      'https://*.example.co.uk',
      { scheme: 'https', host: '.example.co.uk', subdomains: true, port: '' },
    ],
    [
      'https://*.my-team.github.io',
      { scheme: 'https', host: '.my-team.github.io', subdomains: true, port: '' },
    ],
    // A name the list does not know counts by its last label, as browsers count it.
    [
      'http://*.app.internal:*',
      { scheme: 'http', host: '.app.internal', subdomains: true, port: '*' },
    ],
    [
      'HTTPS://*.Example.COM',
      { scheme: 'https', host: '.example.com', subdomains: true, port: '' },
    ],
    // Every name under localhost is the machine itself, as every port of localhost is.
    ['http://*.localhost:*', { scheme: 'http', host: '.localhost', subdomains: true, port: '*' }],
  ])('compiles %j', (source, compiled) => {
    expect(compileOriginPattern(source)).toEqual({ source, ...compiled });
  });

  it.each<[source: string, explanation: string]>([
    ['https://*example.com', 'whole leading labels'],
    ['*.example.com', 'write "https://" in front'],
    ['https://example.*', 'whole leading labels'],
    ['https://*.com', 'name a registrable domain such as "*.example.com"'],
    ['https://*', 'whole leading labels'],
    ['https://*.*.example.com', 'whole leading labels'],
    ['https://app.*.example.com', 'whole leading labels'],
    ['https://*.example.com/', 'write "https://*.example.com"'],
    ['https://*.example.com:443', 'write "https://*.example.com"'],
    ['https://*.example.com:x', 'is not a serialized origin'],
    // Another spelling of a host than browsers send would never match.
    [
      'http://127.1:*',
      'browsers write "http://127.1" as "http://127.0.0.1"; write "http://127.0.0.1:*"',
    ],
    ['http://[0:0:0:0:0:0:0:1]:*', 'write "http://[::1]:*"'],
    ['https://*.bücher.example', 'write "https://*.xn--bcher-kva.example"'],
    ['https://example.com:8443:*', 'names a port and ":*" at once'],
    ['https://*.[::1]', 'an IP address has no subdomains'],
    ['http://*.127.0.0.1:*', 'an IP address has no subdomains'],
    // Under a public suffix, anyone can register a site the pattern would let in:
    // ICANN's suffixes and those companies open to their customers alike.
    ['https://*.co.uk', 'anyone can register a site under "co.uk" (a public suffix)'],
    [
      'https://*.github.io',
      'name a registrable domain such as "*.example.com" or "*.your-app.github.io"',
    ],
    ['https://*.vercel.app', '(a public suffix)'],
    ['https://*.s3.amazonaws.com', '(a public suffix)'],
    ['https://*.GitHub.IO', 'under "github.io"'],
    ['https://example.com:8*', 'whole leading labels'],
  ])('refuses %j, saying what is wrong and how patterns look', (source, explanation) => {
    let error: unknown;
    try {
      compileOriginPattern(source);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(CorsConfigurationError);
    const { problem, option, message } = error as CorsConfigurationError;
    expect(problem).toBe('invalid-origin-pattern');
    expect(option).toBe('origin');
    expect(message).toContain(JSON.stringify(source));
    expect(message).toContain(explanation);
    expect(message).toContain('"https://*.example.com"');

    // The same error through the public entry, alone and inside a list.
    expect(configurationErrorOf({ origin: source }).problem).toBe('invalid-origin-pattern');
    expect(configurationErrorOf({ origin: ['https://ok.example.com', source] }).message).toBe(
      message,
    );
  });
});

describe('matchesPattern', () => {
  it.each<[pattern: string, origin: string, expected: boolean]>([
    // One or more labels before the suffix, never the apex.
    ['https://*.example.com', 'https://a.example.com', true],
    ['https://*.example.com', 'https://a.b.c.example.com', true],
    ['https://*.example.com', 'https://A.EXAMPLE.COM', true],
    ['https://*.example.com', 'https://example.com', false],
    ['https://*.example.com', 'https://aexample.com', false],
    ['https://*.example.com', 'https://a-example.com', false],
    ['https://*.example.com', 'https://a.example.com.evil.test', false],
    ['https://*.example.com', 'https://example.com.a', false],
    ['https://*.example.com', 'https://a.example.org', false],
    // Scheme and port exactly.
    ['https://*.example.com', 'http://a.example.com', false],
    ['https://*.example.com', 'wss://a.example.com', false],
    ['https://*.example.com', 'https://a.example.com:8443', false],
    // Any port, including none.
    ['https://example.com:*', 'https://example.com', true],
    ['https://example.com:*', 'https://example.com:1', true],
    ['https://example.com:*', 'https://example.com:8443', true],
    ['https://example.com:*', 'https://example.com:65535', true],
    ['https://example.com:*', 'https://a.example.com', false],
    ['https://example.com:*', 'https://a.example.com:8443', false],
    ['https://example.com:*', 'http://example.com:8443', false],
    ['https://example.com:*', 'https://example.org:8443', false],
    // Both.
    ['https://*.example.com:*', 'https://a.example.com', true],
    ['https://*.example.com:*', 'https://a.example.com:8443', true],
    ['https://*.example.com:*', 'https://example.com:8443', false],
    ['https://*.example.com:*', 'http://a.example.com:8443', false],
    // A wildcard host with a fixed port.
    ['https://*.example.com:8443', 'https://a.example.com:8443', true],
    ['https://*.example.com:8443', 'https://a.example.com', false],
    ['https://*.example.com:8443', 'https://a.example.com:8444', false],
    ['https://*.example.com:8443', 'https://example.com:8443', false],
    // Loopback during development.
    ['http://localhost:*', 'http://localhost:3000', true],
    ['http://localhost:*', 'http://localhost', true],
    ['http://localhost:*', 'https://localhost:3000', false],
    ['http://localhost:*', 'http://localhost.evil.test:3000', false],
    ['http://localhost:*', 'http://evil-localhost:3000', false],
    ['http://localhost:*', 'http://127.0.0.1:3000', false],
    ['http://*.localhost:*', 'http://app.localhost:5173', true],
    ['http://*.localhost:*', 'http://a.b.localhost', true],
    ['http://*.localhost:*', 'http://localhost:5173', false],
    ['http://*.localhost:*', 'http://app.localhost.evil.test', false],
    // Never a site under a public suffix below the pattern's domain, where its
    // owner lets anyone register one: S3 buckets, here.
    ['https://*.amazonaws.com', 'https://console.amazonaws.com', true],
    ['https://*.amazonaws.com', 'https://attacker-bucket.s3.amazonaws.com', false],
    ['https://*.amazonaws.com', 'https://s3.amazonaws.com', false],
    ['https://*.amazonaws.com:*', 'https://a.b.s3.amazonaws.com:8443', false],
    ['https://*.my-team.github.io', 'https://x.my-team.github.io', true],
  ])('%j against %j -> %p', (pattern, origin, expected) => {
    expect(matches(pattern, origin)).toBe(expected);
  });
});
