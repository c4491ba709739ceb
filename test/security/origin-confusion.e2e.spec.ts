/**
 * Origin confusion: values that look like an allowed origin but are not one
 * (look-alike hosts, other schemes and ports, paths, userinfo, lists, repeated
 * header lines, non-ASCII bytes), against an exact list, a wildcard pattern and
 * an anchored RegExp. An origin is allowed only when it is, as a browser would
 * serialize it, one the policy names; the answer then echoes it as sent.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Get, Put, type INestApplication } from '@nestjs/common';
import { Cors, CorsModule } from '../../lib/index.js';
import { ADAPTERS, createApp } from '../support/create-app.js';
import { viaSocket, viaSupertest, type Answer } from './support/answers.js';
import { listen } from './support/raw-http.js';

type PolicyName = 'list' | 'wildcard' | 'regexp';

@Controller('list')
@Cors({ origin: ['https://example.com', 'http://localhost:3000'] })
class ListController {
  @Get()
  read() {
    return 'list';
  }
  @Put()
  write() {
    return 'list';
  }
}

@Controller('wildcard')
@Cors({ origin: 'https://*.example.com' })
class WildcardController {
  @Get()
  read() {
    return 'wildcard';
  }
  @Put()
  write() {
    return 'wildcard';
  }
}

@Controller('regexp')
@Cors({ origin: /^https:\/\/app\.example\.com$/ })
class RegExpController {
  @Get()
  read() {
    return 'regexp';
  }
  @Put()
  write() {
    return 'regexp';
  }
}

const POLICIES: readonly PolicyName[] = ['list', 'wildcard', 'regexp'];

interface OriginCase {
  readonly name: string;
  /** The Origin value; several values go out as several `Origin:` header lines. */
  readonly origin: string | readonly string[];
  /** The policies that allow it. Every other policy must refuse it. */
  readonly allowedBy: readonly PolicyName[];
  /** How the value becomes bytes on the wire (sent over a raw socket). */
  readonly encoding?: 'latin1' | 'utf8';
  /** The value the server reads, when HTTP parsing changes it (surrounding whitespace is not part of a value). */
  readonly echo?: string;
  /** Node's HTTP parser refuses the request itself (400) before any application code. */
  readonly parserRejects?: boolean;
}

const LONG_LABEL = 'a'.repeat(63);

const CASES: readonly OriginCase[] = [
  // Controls: what each policy does allow.
  { name: 'an exact list member', origin: 'https://example.com', allowedBy: ['list'] },
  {
    name: 'the http list member with its port',
    origin: 'http://localhost:3000',
    allowedBy: ['list'],
  },
  { name: 'a subdomain', origin: 'https://app.example.com', allowedBy: ['wildcard', 'regexp'] },
  { name: 'a deeper subdomain', origin: 'https://a.b.example.com', allowedBy: ['wildcard'] },
  {
    name: 'a long but valid subdomain',
    origin: `https://${LONG_LABEL}.${LONG_LABEL}.${LONG_LABEL}.example.com`,
    allowedBy: ['wildcard'],
  },

  // Prefix and suffix tricks.
  { name: 'the allowed host as a prefix', origin: 'https://example.com.evil.com', allowedBy: [] },
  { name: 'the subdomain as a prefix', origin: 'https://app.example.com.evil.com', allowedBy: [] },
  { name: 'the allowed host as a suffix', origin: 'https://evilexample.com', allowedBy: [] },
  { name: 'the allowed host glued on', origin: 'https://app.example.comevil.com', allowedBy: [] },
  {
    name: 'a look-alike label that is still a subdomain',
    origin: 'https://evilapp.example.com',
    allowedBy: ['wildcard'],
  },
  {
    name: 'a dot that a RegExp would match as any character',
    origin: 'https://appxexample.com',
    allowedBy: [],
  },
  { name: 'a hyphen for a dot', origin: 'https://app-example.com', allowedBy: [] },
  { name: 'the suffix after a path', origin: 'https://evil.com/.example.com', allowedBy: [] },
  { name: 'the suffix after a query', origin: 'https://evil.com?.example.com', allowedBy: [] },
  { name: 'the suffix after a fragment', origin: 'https://evil.com#.example.com', allowedBy: [] },
  { name: 'the suffix after a backslash', origin: 'https://evil.com\\.example.com', allowedBy: [] },
  {
    name: 'the allowed host as userinfo',
    origin: 'https://app.example.com@evil.com',
    allowedBy: [],
  },
  { name: 'the pattern itself', origin: 'https://*.example.com', allowedBy: [] },
  {
    name: 'an over-long label under the suffix',
    origin: `https://${'a'.repeat(3000)}.example.com`,
    allowedBy: [],
  },

  // Trailing dot (the fully qualified form of the same host).
  { name: 'a trailing dot', origin: 'https://example.com.', allowedBy: [] },
  { name: 'a trailing dot on the subdomain', origin: 'https://app.example.com.', allowedBy: [] },

  // Scheme downgrade (and upgrade).
  { name: 'http instead of https', origin: 'http://example.com', allowedBy: [] },
  { name: 'http on the subdomain', origin: 'http://app.example.com', allowedBy: [] },
  { name: 'https instead of http', origin: 'https://localhost:3000', allowedBy: [] },
  { name: 'another scheme', origin: 'wss://app.example.com', allowedBy: [] },

  // Other ports, and default ports written out (browsers never send those).
  { name: 'another port', origin: 'https://example.com:8443', allowedBy: [] },
  { name: 'another port on the subdomain', origin: 'https://app.example.com:8443', allowedBy: [] },
  { name: 'the next port up', origin: 'http://localhost:3001', allowedBy: [] },
  { name: 'no port where one is required', origin: 'http://localhost', allowedBy: [] },
  { name: 'the default port written out', origin: 'https://example.com:443', allowedBy: [] },
  {
    name: 'the default port on the subdomain',
    origin: 'https://app.example.com:443',
    allowedBy: [],
  },
  { name: 'a zero-padded port', origin: 'http://localhost:03000', allowedBy: [] },
  { name: 'a port out of range', origin: 'https://example.com:65979', allowedBy: [] },

  // null, paths, letter case.
  { name: 'null', origin: 'null', allowedBy: [] },
  { name: 'a trailing slash', origin: 'https://example.com/', allowedBy: [] },
  { name: 'a trailing slash on the subdomain', origin: 'https://app.example.com/', allowedBy: [] },
  { name: 'an uppercase scheme', origin: 'HTTPS://example.com', allowedBy: [] },
  {
    name: 'an uppercase scheme on the subdomain',
    origin: 'HTTPS://app.example.com',
    allowedBy: [],
  },
  { name: 'a capitalised scheme', origin: 'Http://localhost:3000', allowedBy: [] },
  { name: 'an uppercase host', origin: 'https://EXAMPLE.com', allowedBy: ['list'] },
  { name: 'a mixed-case host', origin: 'http://LocalHost:3000', allowedBy: ['list'] },
  {
    name: 'an uppercase subdomain',
    origin: 'https://APP.EXAMPLE.COM',
    allowedBy: ['wildcard', 'regexp'],
  },

  // Userinfo, IP literals, international names.
  { name: 'userinfo', origin: 'https://user@example.com', allowedBy: [] },
  { name: 'userinfo with a password', origin: 'https://user:pass@app.example.com', allowedBy: [] },
  { name: 'an IPv6 loopback for localhost', origin: 'http://[::1]:3000', allowedBy: [] },
  { name: 'an IPv4 loopback for localhost', origin: 'http://127.0.0.1:3000', allowedBy: [] },
  { name: 'a punycode look-alike', origin: 'https://xn--exmple-cua.com', allowedBy: [] },
  {
    name: 'a punycode subdomain (a real subdomain)',
    origin: 'https://xn--80ak6aa92e.example.com',
    allowedBy: ['wildcard'],
  },
  {
    name: 'a non-ASCII host in latin1 bytes',
    origin: 'https://exämple.com',
    encoding: 'latin1',
    allowedBy: [],
  },
  {
    name: 'a non-ASCII host in UTF-8 bytes',
    origin: 'https://exämple.com',
    encoding: 'utf8',
    allowedBy: [],
  },
  {
    name: 'a non-ASCII subdomain (browsers send punycode)',
    origin: 'https://äpp.example.com',
    encoding: 'latin1',
    allowedBy: [],
  },
  {
    name: 'a trailing no-break space',
    origin: 'https://example.com\u00a0',
    encoding: 'latin1',
    allowedBy: [],
  },

  // Lists and repeated header lines: Access-Control-Allow-Origin holds one origin.
  {
    name: 'two origins joined by a comma',
    origin: 'https://example.com,https://evil.com',
    allowedBy: [],
  },
  {
    name: 'two allowed origins joined by a comma',
    origin: 'https://example.com, http://localhost:3000',
    allowedBy: [],
  },
  {
    name: 'the allowed origin second in a list',
    origin: 'https://evil.com, https://example.com',
    allowedBy: [],
  },
  {
    name: 'the subdomain twice in a list',
    origin: 'https://app.example.com,https://app.example.com',
    allowedBy: [],
  },
  {
    name: 'two identical Origin lines',
    origin: ['https://example.com', 'https://example.com'],
    allowedBy: [],
  },
  {
    name: 'an evil Origin line first',
    origin: ['https://evil.com', 'https://example.com'],
    allowedBy: [],
  },
  {
    name: 'an evil Origin line second',
    origin: ['https://example.com', 'https://evil.com'],
    allowedBy: [],
  },
  {
    name: 'two identical subdomain Origin lines',
    origin: ['https://app.example.com', 'https://app.example.com'],
    allowedBy: [],
  },

  // Empty values, whitespace and bytes the HTTP parser itself refuses.
  { name: 'an empty Origin', origin: '', allowedBy: [] },
  { name: 'an Origin of spaces only', origin: '   ', allowedBy: [] },
  {
    name: 'surrounding whitespace (not part of the value)',
    origin: ' https://example.com\t',
    echo: 'https://example.com',
    allowedBy: ['list'],
  },
  { name: 'whitespace inside the host', origin: 'https://exa mple.com', allowedBy: [] },
  { name: 'a scheme only', origin: 'https://', allowedBy: [] },
  { name: 'a host without a scheme', origin: 'example.com', allowedBy: [] },
  { name: 'a star', origin: '*', allowedBy: [] },
  { name: 'a NUL byte', origin: 'https://example.com\u0000', allowedBy: [], parserRejects: true },
  { name: 'a DEL byte', origin: 'https://example.com\u007f', allowedBy: [], parserRejects: true },
];

const ROWS = CASES.flatMap((c) => POLICIES.map((policy) => [policy, c.name, c] as const));

/** Needs exact bytes (or several lines) that supertest would refuse, rewrite or trim. */
function needsRawSocket(c: OriginCase): boolean {
  return (
    typeof c.origin !== 'string' ||
    c.encoding !== undefined ||
    !/^[\x21-\x7e](?:[\x20-\x7e]*[\x21-\x7e])?$/.test(c.origin)
  );
}

describe.each(ADAPTERS)('origin confusion on %s', (adapter) => {
  let app: INestApplication;
  let port: number;
  beforeAll(async () => {
    app = await createApp(adapter, {
      // Opt-in: only the three controllers answer cross-origin requests.
      imports: [CorsModule.forRoot({ origin: false })],
      controllers: [ListController, WildcardController, RegExpController],
    });
    port = await listen(app);
  });
  afterAll(() => app.close());

  function send(c: OriginCase, method: 'GET' | 'OPTIONS', path: string): Promise<Answer> {
    const preflight: Record<string, string> =
      method === 'OPTIONS' ? { 'Access-Control-Request-Method': 'PUT' } : {};
    if (!needsRawSocket(c)) {
      return viaSupertest(app, method, path, { Origin: c.origin as string, ...preflight });
    }
    const origins = typeof c.origin === 'string' ? [c.origin] : c.origin;
    return viaSocket(
      port,
      method,
      path,
      [
        ...origins.map((origin) => ['Origin', origin] as const),
        ...Object.entries(preflight).map(([name, value]) => [name, value] as const),
      ],
      c.encoding,
    );
  }

  it('sends the table through both clients', () => {
    // Guards the table itself: the raw-socket path is exercised, and so is supertest.
    expect(CASES.filter(needsRawSocket).length).toBeGreaterThan(10);
    expect(CASES.filter((c) => !needsRawSocket(c)).length).toBeGreaterThan(40);
  });

  it.each(POLICIES)('%s policy: the refusal of an 8 KiB Origin stays short', async (policy) => {
    const origin = `https://${'a'.repeat(8 * 1024)}.example.com`;
    const c: OriginCase = { name: 'long', origin, allowedBy: [] };
    const actual = await send(c, 'GET', `/${policy}`);
    expect({ status: actual.status, allowOrigin: actual.allowOrigin }).toEqual({
      status: 200,
      allowOrigin: [],
    });
    const preflight = await send(c, 'OPTIONS', `/${policy}`);
    expect({ status: preflight.status, allowHeaders: preflight.allowHeaders }).toEqual({
      status: 403,
      allowHeaders: [],
    });
    expect(preflight.body).toMatch(/^CORS preflight refused: origin /);
    // README: "403 with a short plain text reason"; the Origin is the client's, not to be echoed in bulk.
    expect(preflight.body.length).toBeLessThan(200);
  });

  it.each(ROWS)('%s policy, %s', async (policy, _name, c) => {
    const allowed = c.allowedBy.includes(policy);
    const echo = c.echo ?? (c.origin as string);
    const path = `/${policy}`;

    const actual = await send(c, 'GET', path);
    const preflight = await send(c, 'OPTIONS', path);

    if (c.parserRejects) {
      // Node answers 400 itself; nothing reaches the library, nothing is allowed.
      expect({ status: actual.status, allowOrigin: actual.allowOrigin }).toEqual({
        status: 400,
        allowOrigin: [],
      });
      expect({ status: preflight.status, allowHeaders: preflight.allowHeaders }).toEqual({
        status: 400,
        allowHeaders: [],
      });
      return;
    }

    // The actual request is served either way; only an allowed origin is named.
    expect({ status: actual.status, allowOrigin: actual.allowOrigin }).toEqual({
      status: 200,
      allowOrigin: allowed ? [echo] : [],
    });
    expect(actual.body).toBe(policy);
    expect(actual.vary).toContain('origin');

    if (allowed) {
      expect({ status: preflight.status, allowOrigin: preflight.allowOrigin }).toEqual({
        status: 204,
        allowOrigin: [echo],
      });
      expect(preflight.allowMethodsValue).toBe('GET,PUT');
    } else {
      expect({ status: preflight.status, allowHeaders: preflight.allowHeaders }).toEqual({
        status: 403,
        allowHeaders: [],
      });
      expect(preflight.body).toMatch(/^CORS preflight refused: origin .* is not allowed\n$/);
    }
    expect(preflight.vary).toContain('origin');
  });
});
