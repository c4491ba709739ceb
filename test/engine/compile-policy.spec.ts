import { describe, expect, it } from '@jest/globals';
import {
  compileCorsPolicy,
  CorsConfigurationError,
  type CompiledCorsPolicy,
  type CorsConfigurationProblem,
  type CorsPolicyOptions,
} from '../../lib/engine/index.js';
import { configurationErrorOf } from './engine-test-helpers.js';

const APP = 'https://app.example.com';

describe('compileCorsPolicy refuses', () => {
  it.each<
    [
      label: string,
      options: unknown,
      problem: CorsConfigurationProblem,
      option: string,
      /** The bad value and the fix, as they must appear in the message. */
      mentions: string[],
    ]
  >([
    // Credentials need a precise origin.
    [
      "credentials with origin '*'",
      { origin: '*', credentials: true },
      'credentials-with-any-origin',
      'origin',
      ["'*'", 'credentials: true', "origin: ['https://app.example.com']"],
    ],
    [
      "credentials with '*' inside a list",
      { origin: [APP, '*'], credentials: true },
      'credentials-with-any-origin',
      'origin',
      ["'*'", 'credentials: true', 'list the origins'],
    ],
    [
      'credentials with the default origin',
      { credentials: true },
      'credentials-with-any-origin',
      'origin',
      ["'*'", 'list the origins'],
    ],
    [
      'credentials with origin true',
      { origin: true, credentials: true },
      'credentials-with-reflected-origin',
      'origin',
      [
        'true with credentials: true',
        'list the trusted origins',
        'dangerouslyReflectAnyOriginWithCredentials: true',
      ],
    ],
    [
      'credentials with origin true when the escape hatch is false',
      { origin: true, credentials: true, dangerouslyReflectAnyOriginWithCredentials: false },
      'credentials-with-reflected-origin',
      'origin',
      ['dangerouslyReflectAnyOriginWithCredentials: true'],
    ],
    [
      "allowPrivateNetwork with origin '*'",
      { origin: '*', allowPrivateNetwork: true },
      'private-network-with-any-origin',
      'allowPrivateNetwork',
      ["true with origin '*'", 'list the origins'],
    ],
    [
      'allowPrivateNetwork with origin true',
      { origin: true, allowPrivateNetwork: true },
      'private-network-with-any-origin',
      'allowPrivateNetwork',
      ['true with origin true', 'every public website'],
    ],
    [
      'allowPrivateNetwork with the default origin',
      { allowPrivateNetwork: true },
      'private-network-with-any-origin',
      'allowPrivateNetwork',
      ["origin '*'"],
    ],
    [
      "exposedHeaders '*' with credentials",
      { origin: APP, credentials: true, exposedHeaders: '*' },
      'exposed-wildcard-with-credentials',
      'exposedHeaders',
      ["'*'", 'list the headers'],
    ],
    [
      "exposedHeaders containing '*' with credentials",
      { origin: APP, credentials: true, exposedHeaders: ['X-Total', '*'] },
      'exposed-wildcard-with-credentials',
      'exposedHeaders',
      ["'*'", 'list the headers'],
    ],
    // Numbers.
    [
      'a negative maxAge',
      { maxAge: -1 },
      'invalid-max-age',
      'maxAge',
      ['-1', 'whole number of seconds >= 0'],
    ],
    [
      'a fractional maxAge',
      { maxAge: 1.5 },
      'invalid-max-age',
      'maxAge',
      ['1.5', 'whole number of seconds >= 0'],
    ],
    ['a NaN maxAge', { maxAge: NaN }, 'invalid-max-age', 'maxAge', ['whole number']],
    ['an infinite maxAge', { maxAge: Infinity }, 'invalid-max-age', 'maxAge', ['whole number']],
    ['a string maxAge', { maxAge: '600' }, 'invalid-max-age', 'maxAge', ['"600"']],
    [
      'optionsSuccessStatus 199',
      { optionsSuccessStatus: 199 },
      'invalid-options-success-status',
      'optionsSuccessStatus',
      ['199', '200-299', 'use 204'],
    ],
    [
      'optionsSuccessStatus 300',
      { optionsSuccessStatus: 300 },
      'invalid-options-success-status',
      'optionsSuccessStatus',
      ['300', 'use 204'],
    ],
    [
      'optionsSuccessStatus 403',
      { optionsSuccessStatus: 403 },
      'invalid-options-success-status',
      'optionsSuccessStatus',
      ['403', 'use 204'],
    ],
    [
      'a fractional optionsSuccessStatus',
      { optionsSuccessStatus: 204.5 },
      'invalid-options-success-status',
      'optionsSuccessStatus',
      ['204.5'],
    ],
    // Names.
    [
      'a method with a space',
      { methods: ['GET', 'PU T'] },
      'invalid-method',
      'methods',
      ['"PU T"', 'use names such as "GET"'],
    ],
    [
      'a method with a slash, in a string list',
      { methods: 'GET, PUT/' },
      'invalid-method',
      'methods',
      ['"PUT/"', '"GET"'],
    ],
    [
      'an allowed header name with a space',
      { allowedHeaders: ['Content-Type', 'X Trace'] },
      'invalid-header-name',
      'allowedHeaders',
      ['"X Trace"', 'letters, digits'],
    ],
    [
      'an allowed header name with a colon',
      { allowedHeaders: 'x-a, x-b:' },
      'invalid-header-name',
      'allowedHeaders',
      ['"x-b:"', 'letters, digits'],
    ],
    [
      'an exposed header name with a non-ASCII letter',
      { exposedHeaders: ['X-Größe'] },
      'invalid-header-name',
      'exposedHeaders',
      ['"X-Größe"', 'letters, digits'],
    ],
    // Origins.
    [
      'an origin without a scheme',
      { origin: 'app.example.com' },
      'invalid-origin',
      'origin',
      ['"app.example.com"', 'add the scheme: "https://app.example.com"'],
    ],
    [
      'an IPv6 origin written out in full',
      { origin: 'http://[0:0:0:0:0:0:0:1]:3000' },
      'invalid-origin',
      'origin',
      ['never sent', 'browsers write this origin as "http://[::1]:3000"'],
    ],
    [
      'a shortened IPv4 origin',
      { origin: 'http://127.1:3000' },
      'invalid-origin',
      'origin',
      ['"http://127.0.0.1:3000"'],
    ],
    [
      'an IPv4 origin with a leading zero (octal)',
      { origin: ['https://app.example.com', 'http://010.0.0.1'] },
      'invalid-origin',
      'origin',
      ['"http://8.0.0.1"'],
    ],
    [
      'an international origin',
      { origin: 'https://bücher.example' },
      'invalid-origin',
      'origin',
      ['browsers send it as "https://xn--bcher-kva.example": write that'],
    ],
    [
      'a file: origin',
      { origin: 'file://host' },
      'invalid-origin',
      'origin',
      ['Origin: null', 'remove it'],
    ],
    [
      'a file: origin without a host',
      { origin: ['https://app.example.com', 'file://'] },
      'invalid-origin',
      'origin',
      ['"file://"', 'Origin: null', 'remove it'],
    ],
    [
      'a file: pattern',
      { origin: ['https://app.example.com', 'file://*.example.com'] },
      'invalid-origin-pattern',
      'origin',
      ['"file://*.example.com"', 'Origin: null', 'remove it'],
    ],
    [
      'an origin whose host ends in a number but is no IPv4 address',
      { origin: 'https://a.1' },
      'invalid-origin',
      'origin',
      ['"https://a.1" is never sent', 'browsers cannot parse the host "a.1"'],
    ],
    [
      'an IPv4 address in brackets',
      { origin: 'https://[1.2.3.4]' },
      'invalid-origin',
      'origin',
      ['"https://[1.2.3.4]" is never sent', 'cannot parse the host "[1.2.3.4]"'],
    ],
    [
      'a pattern over a host no browser parses',
      { origin: 'https://*.a.1' },
      'invalid-origin-pattern',
      'origin',
      ['"https://*.a.1"', 'cannot parse the host "a.1"'],
    ],
    [
      'an origin with a trailing slash',
      { origin: 'https://app.example.com/' },
      'invalid-origin',
      'origin',
      ['"https://app.example.com/"', 'write "https://app.example.com"'],
    ],
    [
      'an origin with a path',
      { origin: ['https://ok.example.com', 'https://app.example.com/api/v1'] },
      'invalid-origin',
      'origin',
      ['"https://app.example.com/api/v1"', 'write "https://app.example.com"'],
    ],
    [
      'an origin with the default https port',
      { origin: 'https://app.example.com:443' },
      'invalid-origin',
      'origin',
      ['"https://app.example.com:443"', 'write "https://app.example.com"'],
    ],
    [
      'an origin with the default http port',
      { origin: 'http://app.example.com:80' },
      'invalid-origin',
      'origin',
      ['"http://app.example.com:80"', 'write "http://app.example.com"'],
    ],
    [
      'an origin with userinfo',
      { origin: 'https://user@app.example.com' },
      'invalid-origin',
      'origin',
      ['"https://user@app.example.com"', 'no user name or password'],
    ],
    [
      'two origins joined by a comma',
      { origin: 'https://a.example.com,https://b.example.com' },
      'invalid-origin',
      'origin',
      ['"https://a.example.com,https://b.example.com"', 'as an array, one per entry'],
    ],
    [
      'two origins joined by a space',
      { origin: 'https://a.example.com https://b.example.com' },
      'invalid-origin',
      'origin',
      ['"https://a.example.com https://b.example.com"', 'as an array, one per entry'],
    ],
    [
      'an origin with surrounding whitespace',
      { origin: [' https://app.example.com '] },
      'invalid-origin',
      'origin',
      [
        '" https://app.example.com "',
        'remove the surrounding whitespace: "https://app.example.com"',
      ],
    ],
    [
      "the literal 'null' origin",
      { origin: 'null' },
      'null-origin',
      'origin',
      ['"null"', 'sandboxed iframes', 'Remove it'],
    ],
    [
      "'null' in another case, inside a list",
      { origin: [APP, 'NULL'] },
      'null-origin',
      'origin',
      ['"null"', 'Remove it'],
    ],
    [
      'a pattern without a dot after the wildcard',
      { origin: 'https://*example.com' },
      'invalid-origin-pattern',
      'origin',
      ['"https://*example.com"', '"https://*.example.com"'],
    ],
    [
      'a pattern without a scheme',
      { origin: '*.example.com' },
      'invalid-origin-pattern',
      'origin',
      ['"*.example.com"', 'write "https://" in front'],
    ],
    [
      'a pattern with a wildcard top-level domain',
      { origin: 'https://example.*' },
      'invalid-origin-pattern',
      'origin',
      ['"https://example.*"', '"https://*.example.com"'],
    ],
    [
      'a pattern covering a whole top-level domain',
      { origin: ['https://*.com'] },
      'invalid-origin-pattern',
      'origin',
      ['"https://*.com"', 'registrable domain such as "*.example.com"'],
    ],
    // Types and names.
    [
      'an unknown option',
      { origin: APP, allowHeaders: ['X-Trace'] },
      'invalid-option-type',
      'allowHeaders',
      ['"allowHeaders"', 'unknown option', 'allowedHeaders'],
    ],
    [
      'a misspelt option',
      { orign: APP },
      'invalid-option-type',
      'orign',
      ['"orign"', 'unknown option', 'origin'],
    ],
    [
      'a non-boolean credentials',
      { origin: APP, credentials: 'true' },
      'invalid-option-type',
      'credentials',
      ['"true"', 'expected true or false'],
    ],
    [
      'a numeric origin',
      { origin: 42 },
      'invalid-option-type',
      'origin',
      ['number', "expected '*', true, false"],
    ],
    ['a null origin value', { origin: null }, 'invalid-option-type', 'origin', ['expected']],
    [
      'a list entry that is neither a string nor a RegExp',
      { origin: [APP, 42] },
      'invalid-option-type',
      'origin',
      ['42', 'strings or RegExps'],
    ],
    [
      'a list entry that is an object, shown as it is written',
      { origin: [{ host: 'app.example.com' }] },
      'invalid-option-type',
      'origin',
      ["{ host: 'app.example.com' } is not an origin"],
    ],
    [
      'a list entry without a prototype, which String() cannot print',
      { origin: [Object.create(null)] },
      'invalid-option-type',
      'origin',
      ['[Object: null prototype] {} is not an origin'],
    ],
    [
      'a method that is not a string',
      { methods: ['GET', 123] },
      'invalid-option-type',
      'methods',
      ['entry 1 is 123', '"PUT"'],
    ],
    [
      'an allowed header that is null',
      { allowedHeaders: [null] },
      'invalid-option-type',
      'allowedHeaders',
      ['entry 0 is null', '"Content-Type"'],
    ],
    [
      'an exposed header left undefined',
      { exposedHeaders: ['X-Total', undefined] },
      'invalid-option-type',
      'exposedHeaders',
      ['entry 1 is undefined', '"X-Request-Id"'],
    ],
    [
      'methods given as a number',
      { methods: 5 },
      'invalid-option-type',
      'methods',
      ['comma-separated string', 'number'],
    ],
    [
      'options that are not an object',
      'https://app.example.com',
      'invalid-option-type',
      'options',
      ['object'],
    ],
  ])('%s', (_label, options, problem, option, mentions) => {
    const error = configurationErrorOf(options);
    expect(error).toBeInstanceOf(CorsConfigurationError);
    expect(error).toBeInstanceOf(Error);
    expect(error.name).toBe('CorsConfigurationError');
    expect(error.problem).toBe(problem);
    expect(error.option).toBe(option);
    expect(error.message).toContain(`invalid CORS option "${option}"`);
    for (const mention of mentions) expect(error.message).toContain(mention);
  });
});

describe('CorsConfigurationError.at', () => {
  it('places the error at a route and keeps what it says', () => {
    const error = configurationErrorOf({ maxAge: -1 });
    const placed = error.at('UsersController.remove (DELETE /users/:id)');
    expect(placed).toBeInstanceOf(CorsConfigurationError);
    expect(placed).toMatchObject({
      problem: 'invalid-max-age',
      option: 'maxAge',
      detail: error.detail,
      location: 'UsersController.remove (DELETE /users/:id)',
    });
    expect(placed.message).toBe(`UsersController.remove (DELETE /users/:id): ${error.message}`);
  });
});

describe('compileCorsPolicy accepts', () => {
  it.each<[label: string, options: CorsPolicyOptions]>([
    ['no options', {}],
    ['undefined options', { origin: undefined, credentials: undefined, maxAge: undefined }],
    [
      'origin true with the escape hatch',
      {
        origin: true,
        credentials: true,
        dangerouslyReflectAnyOriginWithCredentials: true,
      },
    ],
    ['origin true without credentials', { origin: true }],
    ['allowPrivateNetwork with a list', { origin: [APP], allowPrivateNetwork: true }],
    ['allowPrivateNetwork with a function', { origin: () => true, allowPrivateNetwork: true }],
    ["exposedHeaders '*' without credentials", { exposedHeaders: '*' }],
    [
      "allowedHeaders '*' with credentials",
      { origin: APP, credentials: true, allowedHeaders: '*' },
    ],
    ['maxAge 0', { maxAge: 0 }],
    ['optionsSuccessStatus 200', { optionsSuccessStatus: 200 }],
    ['optionsSuccessStatus 299', { optionsSuccessStatus: 299 }],
    ['an empty origin list', { origin: [] }],
    [
      'every origin form at once',
      {
        origin: [APP, 'https://*.example.com:*', /^https:\/\/x\.test$/],
        credentials: true,
      },
    ],
  ])('%s', (_label, options) => {
    const { policy, warnings } = compileCorsPolicy(options);
    expect(Object.isFrozen(policy)).toBe(true);
    expect(Object.isFrozen(policy.options)).toBe(true);
    expect(warnings).toEqual([]);
  });

  it.each([
    [
      'an exact origin',
      { origin: [APP], credentials: true },
      (p: CompiledCorsPolicy) => p.exactOriginAnswers.get(APP),
    ],
    ["'*'", { origin: '*' }, (p: CompiledCorsPolicy) => p.anyOriginAnswer],
  ] as const)(
    'freezes the answer every request for %s shares, header list included',
    (_label, options, answerOf) => {
      const answer = answerOf(compileCorsPolicy(options).policy);
      if (answer?.outcome !== 'allowed')
        throw new Error(`no allowed answer: ${JSON.stringify(answer)}`);
      expect(Object.isFrozen(answer)).toBe(true);
      expect(answer.headers.length).toBeGreaterThan(0);
      expect(Object.isFrozen(answer.headers)).toBe(true);
    },
  );

  it('applies the defaults of app.enableCors()', () => {
    const { policy } = compileCorsPolicy();
    expect(policy).toMatchObject({
      enabled: true,
      origin: { kind: 'any' },
      credentials: false,
      staticAnyOrigin: true,
      allowedMethods: undefined,
      allowMethodsHeader: undefined,
      allowedHeaders: undefined,
      allowHeadersHeader: undefined,
      maxAgeHeader: undefined,
      allowPrivateNetwork: false,
      preflightContinue: false,
      optionsSuccessStatus: 204,
      actualHeaders: [],
      preflightHeaders: [],
    });
  });

  it.each<[methods: string | string[], allowMethodsHeader: string]>([
    [['get', 'put', 'delete', 'options', 'head', 'post'], 'GET,PUT,DELETE,OPTIONS,HEAD,POST'],
    [['patch', 'PATCH', 'propfind'], 'patch,PATCH,propfind'],
    ['get, put ,patch', 'GET,PUT,patch'],
    [['PUT', 'put', 'Put'], 'PUT'],
  ])('normalizes the six standard methods of %j', (methods, allowMethodsHeader) => {
    const { policy } = compileCorsPolicy({ methods });
    expect(policy.allowMethodsHeader).toBe(allowMethodsHeader);
    expect([...policy.allowedMethods!].join(',')).toBe(allowMethodsHeader);
  });

  it.each<string | string[]>(['*', ['PUT', '*'], 'GET, *'])(
    'compiles methods %j to any method, with no fixed Allow-Methods',
    (methods) => {
      const { policy } = compileCorsPolicy({ methods });
      expect(policy.allowedMethods).toBe('any');
      expect(policy.allowMethodsHeader).toBeUndefined();
    },
  );

  it("rejects a method that is no method name next to '*'", () => {
    expect(() => compileCorsPolicy({ methods: ['*', 'P UT'] })).toThrow(CorsConfigurationError);
  });

  it.each<
    [allowedHeaders: string | string[], set: string[] | undefined, header: string | undefined]
  >([
    [['Content-Type', 'X-Trace'], ['content-type', 'x-trace'], 'Content-Type,X-Trace'],
    ['Authorization, X-Trace', ['authorization', 'x-trace'], 'Authorization,X-Trace'],
    ['*', undefined, undefined],
    [['X-Trace', '*'], undefined, undefined],
  ])('compiles allowedHeaders %j', (allowedHeaders, set, header) => {
    const { policy } = compileCorsPolicy({ allowedHeaders });
    expect(policy.allowedHeaders === undefined ? undefined : [...policy.allowedHeaders]).toEqual(
      set,
    );
    expect(policy.allowHeadersHeader).toBe(header);
  });

  it.each<[maxAge: number, header: string]>([
    [0, '0'],
    [5, '5'],
    [7200, '7200'],
    [86400, '86400'],
  ])('sends maxAge %p as %j', (maxAge, header) => {
    const { policy } = compileCorsPolicy({ maxAge });
    expect(policy.maxAgeHeader).toBe(header);
    expect(policy.preflightHeaders).toContainEqual(['Access-Control-Max-Age', header]);
  });
});

describe('compileCorsPolicy warns', () => {
  it.each<[label: string, options: CorsPolicyOptions, mentions: string[][]]>([
    [
      'about a RegExp without anchors',
      { origin: /app\.example\.com/ },
      [['/app\\.example\\.com/', 'not anchored', '^', '$']],
    ],
    [
      'about a RegExp without $',
      { origin: [/^https:\/\/app\.example\.com/] },
      [['not anchored', 'such as "https://app.example.com.evil.test"']],
    ],
    [
      'about a RegExp without ^',
      { origin: [/app\.example\.com$/] },
      [['not anchored', 'such as "https://evil-app.example.com"']],
    ],
    [
      'about a RegExp whose ^ and $ bind to its first and last branch only',
      { origin: /^https:\/\/app\.example\.com|https:\/\/admin\.example\.com$/ },
      [
        [
          'not anchored',
          '/^(?:https:\\/\\/app\\.example\\.com|https:\\/\\/admin\\.example\\.com)$/',
        ],
      ],
    ],
    [
      'about each unanchored RegExp',
      { origin: [/a\.test/, /^https:\/\/ok\.test$/, /b\.test/] },
      [['/a\\.test/'], ['/b\\.test/']],
    ],
    [
      'about a plain-http origin with credentials',
      { origin: 'http://app.example.com', credentials: true },
      [['http://app.example.com', 'credentials', 'use https']],
    ],
    [
      'about a plain-http pattern with credentials',
      { origin: ['https://ok.example.com', 'http://*.example.com'], credentials: true },
      [['http://example.com', 'use https']],
    ],
    [
      'about a private-address http origin with credentials',
      { origin: 'http://192.168.1.10:8080', credentials: true },
      [['http://192.168.1.10', 'use https']],
    ],
    [
      'about a RegExp any site passes, with credentials',
      { origin: [/^https?:\/\/.*$/], credentials: true },
      [['matches origins of any site', 'https://any-site.invalid', 'cookies']],
    ],
    [
      'about a RegExp any site passes, with private-network access',
      { origin: [/^https:\/\/[a-z.-]+$/], allowPrivateNetwork: true },
      [['matches origins of any site', 'private-network access']],
    ],
    [
      'about both at once',
      { origin: [/x\.test/, 'http://x.test'], credentials: true },
      [['not anchored', 'anchor it, with its scheme: /^https:\\/\\/x\\.test$/'], ['http://x.test']],
    ],
  ])('%s', (_label, options, mentions) => {
    const { policy, warnings } = compileCorsPolicy(options);
    expect(policy.enabled).toBe(true);
    expect(warnings).toHaveLength(mentions.length);
    warnings.forEach((warning, i) => {
      expect(warning.option).toBe('origin');
      for (const mention of mentions[i]) expect(warning.message).toContain(mention);
    });
  });

  it.each<[RegExp, example: string | undefined, allows: string[], refuses: string[]]>([
    [/app\.example\.com/, 'https://app.example.com.evil.test', ['https://app.example.com'], []],
    [
      /^https:\/\/app\.example\.com/,
      'https://app.example.com.evil.test',
      ['https://app.example.com'],
      [],
    ],
    [/app\.example\.com$/, 'https://evil-app.example.com', ['https://app.example.com'], []],
    [
      /https?:\/\/app\.example\.com/i,
      undefined,
      ['https://app.example.com', 'http://app.example.com'],
      [],
    ],
    [
      /(app|www)\.example\.com/,
      undefined,
      ['https://app.example.com', 'https://www.example.com'],
      [],
    ],
    [/a\.com|b\.com/, undefined, ['https://a.com', 'https://b.com'], ['https://evil.b.com']],
    [
      /^https:\/\/a\.com|https:\/\/b\.com$/,
      undefined,
      ['https://a.com', 'https://b.com'],
      ['https://a.com.evil.test', 'https://evil.test/https://b.com'],
    ],
    [/localhost:3000/, 'https://evil-localhost:3000', ['http://localhost:3000'], []],
    [/https?:[/]{2}a\.com/, undefined, ['https://a.com'], []],
    [
      /\.example\.com/u,
      'https://evil.example.com.evil.test',
      ['https://app.example.com'],
      ['https://example.com'],
    ],
  ])(
    'about %s with a fix that allows the origins it describes, and refuses its example %p',
    (regExp, example, allows, refuses) => {
      const [{ message }] = compileCorsPolicy({ origin: regExp }).warnings;
      const fix = /anchor it, with its scheme: \/(.+)\/([a-z]*)$/.exec(message);
      expect(fix).not.toBeNull();
      const fixed = new RegExp(fix![1], fix![2]);
      expect(allows.map((origin) => fixed.test(origin))).toEqual(allows.map(() => true));
      expect(/such as "([^"]+)"/.exec(message)?.[1]).toBe(example);
      const lookAlikes = [example ?? `${allows[0]}.evil.test`, ...refuses];
      expect(lookAlikes.map((origin) => fixed.test(origin))).toEqual(lookAlikes.map(() => false));
      expect(regExp.test(lookAlikes[0])).toBe(true);
    },
  );

  it('takes an escaped dollar sign for no anchor', () => {
    const [{ message }] = compileCorsPolicy({ origin: /^https:\/\/a\.com\$/ }).warnings;
    expect(message).toContain('not anchored');
  });

  it.each<[label: string, options: CorsPolicyOptions]>([
    ['an anchored RegExp', { origin: /^https:\/\/app\.example\.com$/ }],
    [
      'an anchored RegExp with credentials',
      { origin: /^https:\/\/[a-z]+\.example\.com$/, credentials: true },
    ],
    ['a RegExp any site passes, without credentials', { origin: /^https:\/\/.+$/ }],
    [
      'http://localhost:3000 with credentials',
      { origin: 'http://localhost:3000', credentials: true },
    ],
    [
      'http://127.0.0.1:8080 with credentials',
      { origin: 'http://127.0.0.1:8080', credentials: true },
    ],
    ['http://[::1]:3000 with credentials', { origin: 'http://[::1]:3000', credentials: true }],
    [
      'http://app.localhost with credentials',
      { origin: 'http://app.localhost', credentials: true },
    ],
    ['http://localhost:* with credentials', { origin: 'http://localhost:*', credentials: true }],
    ['an https origin with credentials', { origin: APP, credentials: true }],
    ['a plain-http origin without credentials', { origin: 'http://app.example.com' }],
    ['methods in capitals, and lowercase ones browsers capitalise', { methods: ['put', 'PATCH'] }],
    ['a RegExp with the i flag', { origin: /^https:\/\/App\.example\.com$/i }],
    ['a RegExp whose capitals are escapes', { origin: /^https:\/\/\w+\.example\.com:\d+$/ }],
    ['an origin of another scheme, as written', { origin: 'chrome-extension://abcdefgh' }],
    ['a compressed IPv6 origin', { origin: 'http://[::1]:3000' }],
    [
      'an anchored RegExp with a grouped alternation',
      { origin: /^https:\/\/(?:app|admin)\.example\.com$/ },
    ],
    [
      'an anchored RegExp with | escaped, in a class and in a nested group',
      { origin: /^https:\/\/a\|[|)]((b|c)|d)\.test$/ },
    ],
  ])('not about %s', (_label, options) => {
    expect(compileCorsPolicy(options).warnings).toEqual([]);
  });

  it('about a RegExp with capital letters, which origins as browsers send them never have', () => {
    const { warnings } = compileCorsPolicy({ origin: [/^https:\/\/App\.example\.com$/] });
    expect(warnings).toHaveLength(1);
    expect(warnings[0].option).toBe('origin');
    expect(warnings[0].message).toContain('has capital letters');
  });

  it('about a method that is not in capitals, which no request on Node can carry', () => {
    const { policy, warnings } = compileCorsPolicy({ methods: ['GET', 'patch', 'Foo'] });
    expect(policy.allowedMethods).toEqual(new Set(['GET', 'patch', 'Foo']));
    expect(warnings.map(({ option }) => option)).toEqual(['methods', 'methods']);
    expect(warnings[0].message).toContain('write "PATCH"');
    expect(warnings[1].message).toContain('write "FOO"');
  });
});
