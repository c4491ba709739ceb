import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import {
  Catch,
  Controller,
  ForbiddenException,
  Get,
  Header,
  Param,
  Res,
  UseFilters,
  type ArgumentsHost,
  type ExceptionFilter,
  type INestApplication,
} from '@nestjs/common';
import cors from 'cors';
import type Express from 'express';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ServerResponse } from 'node:http';
import request from 'supertest';
import { Cors, CorsModule } from '../../../lib/index.js';
import { headerLines } from '../../support/cors-http.js';
import { ADAPTERS, createApp, nestExpress as express } from '../../support/create-app.js';
import { LogCapture } from '../../support/log-capture.js';
import { listen, pipelinedRequests } from '../../security/support/raw-http.js';

const APP = 'https://app.example.com';
const ADMIN = 'https://admin.example.com';
const EVIL = 'https://evil.example';

/** Express responses have `append`, fastify replies only `header`. */
interface AnyResponse {
  append?(name: string, value: string): unknown;
  header(name: string, value: string): unknown;
  removeHeader(name: string): unknown;
  /** fastify: the handler answers on the Node response itself. */
  hijack?(): unknown;
  raw?: ServerResponse;
}

@Controller('dup')
class DuplicateController {
  @Get('header')
  @Header('Access-Control-Allow-Origin', '*')
  withHeaderDecorator() {
    return { route: 'header' };
  }

  @Get('appended')
  @Cors({ origin: [ADMIN], credentials: true })
  appended(@Res({ passthrough: true }) res: AnyResponse) {
    if (res.append) res.append('Access-Control-Allow-Origin', 'https://evil.example');
    else res.header('Access-Control-Allow-Origin', 'https://evil.example');
    return { route: 'appended' };
  }

  @Get('raw')
  @Cors({ origin: [ADMIN], credentials: true })
  raw(@Res() res: AnyResponse & ServerResponse) {
    writeRaw(res);
  }

  @Get('raw-without/:name')
  @Cors({ origin: [ADMIN], credentials: true })
  rawWithout(@Res() res: AnyResponse & ServerResponse, @Param('name') name: string) {
    res.removeHeader(name);
    writeRaw(res);
  }

  @Get('download/:name')
  @Cors({ origin: [ADMIN], credentials: true })
  download(@Res() res: AnyResponse & ServerResponse, @Param('name') name: string) {
    res.hijack?.();
    // Node refuses a header value with characters beyond latin-1: the app then answers 500.
    (res.raw ?? res).writeHead(200, { 'Content-Disposition': `attachment; filename="${name}"` });
    (res.raw ?? res).end('file');
  }

  @Get('raw-naming-credentials')
  @Cors({ origin: [ADMIN], credentials: true })
  rawNamingCredentials(@Res() res: AnyResponse & ServerResponse) {
    writeRaw(res, { 'access-control-allow-credentials': 'true' });
  }

  @Get('raw-naming-origin')
  @Cors({ origin: [ADMIN], credentials: true })
  rawNamingOrigin(@Res() res: AnyResponse & ServerResponse) {
    writeRaw(res, { 'Access-Control-Allow-Origin': '*' });
  }

  @Get('raw-pairs')
  @Cors({ origin: [ADMIN], credentials: true })
  rawPairs(@Res() res: AnyResponse & ServerResponse) {
    res.hijack?.();
    const node = res.raw ?? res;
    // Node takes a head's headers as [name, value] pairs too.
    node.writeHead(200, [
      ['Content-Type', 'text/plain'],
      ['Access-Control-Allow-Origin', '*'],
    ] as unknown as string[]);
    node.end('pairs');
  }

  @Get('raw-two-cases')
  @Cors({ origin: [ADMIN], credentials: true })
  rawTwoCases(@Res() res: AnyResponse & ServerResponse) {
    writeRaw(res, { 'access-control-allow-origin': '*', 'Access-Control-Allow-Origin': '*' });
  }

  @Get('raw-shared')
  @Cors({ origin: [ADMIN], credentials: true })
  rawShared(@Res() res: AnyResponse & ServerResponse) {
    writeShared(res);
  }

  @Get('raw-shared-disabled')
  @Cors(false)
  rawSharedDisabled(@Res() res: AnyResponse & ServerResponse) {
    writeShared(res);
  }
}

/** One head for every response, as an app keeps a constant to spare an object per response. */
const SHARED_HEAD = Object.freeze({ 'Content-Type': 'text/plain' });

function writeShared(res: AnyResponse & ServerResponse): void {
  res.hijack?.();
  const node = res.raw ?? res;
  node.writeHead(200, SHARED_HEAD);
  node.end('shared');
}

/** Answers with a 403 that lets any origin read it, as a careless exception filter might. */
@Catch(ForbiddenException)
class AnyOriginFilter implements ExceptionFilter {
  catch(_exception: ForbiddenException, host: ArgumentsHost) {
    const res = host.switchToHttp().getResponse<AnyResponse & Partial<ServerResponse>>();
    res.header('Access-Control-Allow-Origin', '*');
    if (res.raw)
      (res as unknown as { code(s: number): { send(b: string): void } }).code(403).send('no');
    else
      (res as unknown as { status(s: number): { send(b: string): void } }).status(403).send('no');
  }
}

/**
 * CORS answer headers the app sets itself (a decorator, an exception filter, a
 * leftover `cors()` middleware): on a route with a policy, only the policy's go
 * out, so none reaches an origin the policy refuses.
 */
@Controller('foreign')
@Cors({ origin: [ADMIN] })
class ForeignHeadersController {
  @Get('decorated')
  @Header('Access-Control-Allow-Origin', '*')
  @Header('Access-Control-Allow-Credentials', 'true')
  @Header('Access-Control-Expose-Headers', 'X-Total-Count')
  decorated() {
    return 'decorated';
  }

  @Get('disabled')
  @Cors(false)
  @Header('Access-Control-Allow-Origin', '*')
  disabled() {
    return 'disabled';
  }

  @Get('filtered')
  @UseFilters(AnyOriginFilter)
  filtered() {
    throw new ForbiddenException();
  }

  @Get('plain')
  plain() {
    return 'plain';
  }
}

/** Routes whose handlers set Access-Control-Allow-Origin themselves, after a delay given in the path. */
@Controller('pipelined')
class PipelinedController {
  @Get('app/:ms')
  @Cors({ origin: [APP], credentials: true })
  async app(@Param('ms') ms: string, @Res({ passthrough: true }) res: AnyResponse) {
    await sleep(Number(ms));
    appendAllowOrigin(res, 'https://evil.example');
    return 'app';
  }

  @Get('admin/:ms')
  @Cors({ origin: [ADMIN] })
  async admin(@Param('ms') ms: string, @Res({ passthrough: true }) res: AnyResponse) {
    await sleep(Number(ms));
    appendAllowOrigin(res, 'https://evil.example');
    return 'admin';
  }

  @Get('plain')
  plain() {
    return 'plain';
  }
}

function appendAllowOrigin(res: AnyResponse, value: string): void {
  if (res.append) res.append('Access-Control-Allow-Origin', value);
  else res.header('Access-Control-Allow-Origin', value);
}

/** Answers on the Node response itself (on fastify, around the reply, which it hijacks). */
function writeRaw(res: AnyResponse & ServerResponse, headers: Record<string, string> = {}): void {
  res.hijack?.();
  const node = res.raw ?? res;
  node.writeHead(200, { 'Content-Type': 'text/plain', Vary: 'Accept-Encoding', ...headers });
  node.end('raw');
}

describe.each(ADAPTERS)('a single Access-Control-Allow-Origin on %s', (adapter) => {
  describe('handlers that set the header themselves', () => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await createApp(adapter, {
        imports: [CorsModule.forRoot({ origin: [APP] })],
        controllers: [DuplicateController],
      });
    });
    afterAll(() => app.close());

    it("sends the policy's value instead of the one from @Header", async () => {
      const res = await request(app.getHttpServer()).get('/dup/header').set('Origin', APP);
      expect(res.status).toBe(200);
      expect(headerLines(res, 'Access-Control-Allow-Origin')).toEqual([APP]);
      expect(res.headers['access-control-allow-origin']).toBe(APP);
    });

    it("puts the decision's headers in a head the handler writes itself", async () => {
      const res = await request(app.getHttpServer()).get('/dup/raw').set('Origin', ADMIN);
      expect(res.text).toBe('raw');
      expect(headerLines(res, 'Access-Control-Allow-Origin')).toEqual([ADMIN]);
      expect(res.headers['access-control-allow-credentials']).toBe('true');
      expect(headerLines(res, 'Vary')).toEqual(['Accept-Encoding, Origin']);
      const withoutOrigin = await request(app.getHttpServer()).get('/dup/raw');
      expect(withoutOrigin.headers['access-control-allow-origin']).toBeUndefined();
      expect(headerLines(withoutOrigin, 'Vary')).toEqual(['Accept-Encoding, Origin']);
    });

    it.each(['Access-Control-Allow-Origin', 'Access-Control-Allow-Credentials'])(
      'leaves out %s when the handler removed it before writing the head itself',
      async (name) => {
        const res = await request(app.getHttpServer())
          .get(`/dup/raw-without/${name}`)
          .set('Origin', ADMIN);
        expect(res.text).toBe('raw');
        expect(res.headers[name.toLowerCase()]).toBeUndefined();
        expect(headerLines(res, 'Vary')).toEqual(['Accept-Encoding, Origin']);
      },
    );

    it('sends a header once when the head the handler writes names it in another case', async () => {
      const res = await request(app.getHttpServer())
        .get('/dup/raw-naming-credentials')
        .set('Origin', ADMIN);
      expect(headerLines(res, 'Access-Control-Allow-Credentials')).toEqual(['true']);
      expect(headerLines(res, 'Access-Control-Allow-Origin')).toEqual([ADMIN]);
    });

    it("puts the policy's whole answer in a head the handler writes naming Access-Control-Allow-Origin", async () => {
      const res = await request(app.getHttpServer())
        .get('/dup/raw-naming-origin')
        .set('Origin', ADMIN);
      expect(headerLines(res, 'Access-Control-Allow-Origin')).toEqual([ADMIN]);
      expect(headerLines(res, 'Access-Control-Allow-Credentials')).toEqual(['true']);
    });

    it('sends Allow-Origin once from a head map that names it in two cases', async () => {
      const res = await request(app.getHttpServer()).get('/dup/raw-two-cases').set('Origin', ADMIN);
      expect(headerLines(res, 'Access-Control-Allow-Origin')).toEqual([ADMIN]);
    });

    // Node takes [name, value] pairs only from a response without headers of its own, which an
    // express response never is.
    if (adapter === 'fastify') {
      it('reads a head written as [name, value] pairs', async () => {
        const allowed = await request(app.getHttpServer())
          .get('/dup/raw-pairs')
          .set('Origin', ADMIN);
        expect(headerLines(allowed, 'Access-Control-Allow-Origin')).toEqual([ADMIN]);
        expect(headerLines(allowed, 'Access-Control-Allow-Credentials')).toEqual(['true']);
        expect(headerLines(allowed, 'Vary')).toEqual(['Origin']);
        const refused = await request(app.getHttpServer())
          .get('/dup/raw-pairs')
          .set('Origin', EVIL);
        expect(refused.text).toBe('pairs');
        expect(refused.headers['access-control-allow-origin']).toBeUndefined();
        expect(headerLines(refused, 'Vary')).toEqual(['Origin']);
      });
    }

    it('leaves a head object the handler shares between responses as it was', async () => {
      const allowed = await request(app.getHttpServer())
        .get('/dup/raw-shared')
        .set('Origin', ADMIN);
      expect(allowed.status).toBe(200);
      expect(headerLines(allowed, 'Access-Control-Allow-Origin')).toEqual([ADMIN]);
      // The head is frozen: writing into it would have failed the response.
      expect(SHARED_HEAD).toEqual({ 'Content-Type': 'text/plain' });
      const disabled = await request(app.getHttpServer())
        .get('/dup/raw-shared-disabled')
        .set('Origin', ADMIN);
      expect(disabled.text).toBe('shared');
      expect(disabled.headers['access-control-allow-origin']).toBeUndefined();
      expect(disabled.headers['access-control-allow-credentials']).toBeUndefined();
    });

    it('keeps the headers on the answer that follows a head Node refused', async () => {
      const res = await request(app.getHttpServer())
        .get(`/dup/download/${encodeURIComponent('résumé—v2.pdf')}`)
        .set('Origin', ADMIN);
      // fastify ends a hijacked reply whose handler threw itself, with no status of its own.
      expect(res.status).toBe(adapter === 'express' ? 500 : 200);
      expect(headerLines(res, 'Access-Control-Allow-Origin')).toEqual([ADMIN]);
      expect(res.headers['access-control-allow-credentials']).toBe('true');
      expect(headerLines(res, 'Vary')).toEqual(['Origin']);
    });

    it("sends the policy's value instead of one the handler appends on the response", async () => {
      const res = await request(app.getHttpServer()).get('/dup/appended').set('Origin', ADMIN);
      expect(res.status).toBe(200);
      expect(res.body).toEqual({ route: 'appended' });
      expect(headerLines(res, 'Access-Control-Allow-Origin')).toEqual([ADMIN]);
      expect(res.headers['access-control-allow-origin']).toBe(ADMIN);
      expect(res.headers['access-control-allow-credentials']).toBe('true');
    });
  });

  describe('answer headers the app sets itself', () => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await createApp(adapter, {
        imports: [CorsModule.forRoot({ origin: [APP] })],
        controllers: [ForeignHeadersController],
      });
    });
    afterAll(() => app.close());
    const get = (path: string) => request(app.getHttpServer()).get(path);

    it("are replaced by the policy's answer for an origin it allows, but for Expose-Headers", async () => {
      const res = await get('/foreign/decorated').set('Origin', ADMIN);
      expect(headerLines(res, 'Access-Control-Allow-Origin')).toEqual([ADMIN]);
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
      // Which headers an allowed origin may read is the route's to widen (react-admin's X-Total-Count).
      expect(res.headers['access-control-expose-headers']).toBe('X-Total-Count');
    });

    it('do not go out for an origin the policy refuses', async () => {
      const res = await get('/foreign/decorated').set('Origin', EVIL);
      expect(res.text).toBe('decorated');
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
      expect(res.headers['access-control-allow-credentials']).toBeUndefined();
      expect(headerLines(res, 'Vary')).toEqual(['Origin']);
    });

    it('do not go out from a route whose CORS is disabled', async () => {
      const res = await get('/foreign/disabled').set('Origin', ADMIN);
      expect(res.text).toBe('disabled');
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    });

    it("do not go out on an exception filter's answer to an origin the policy refuses", async () => {
      const res = await get('/foreign/filtered').set('Origin', EVIL);
      expect(res.status).toBe(403);
      expect(res.headers['access-control-allow-origin']).toBeUndefined();
    });

    it('go out as set on a request without Origin, which no CORS answer concerns', async () => {
      const res = await get('/foreign/decorated');
      expect(res.headers['access-control-allow-origin']).toBe('*');
      expect(headerLines(res, 'Vary')).toEqual(['Origin']);
    });
  });

  describe('a cors() middleware left next to CorsModule', () => {
    let app: INestApplication;
    beforeAll(async () => {
      app = await createApp(
        adapter,
        {
          imports: [CorsModule.forRoot({ origin: [APP] })],
          controllers: [ForeignHeadersController],
        },
        { configure: (nestApp) => nestApp.use(cors({ origin: true, credentials: true })) },
      );
    });
    afterAll(() => app.close());

    it("lets only the route's policy answer: no credentials it does not allow, nothing for a refused origin", async () => {
      const allowed = await request(app.getHttpServer()).get('/foreign/plain').set('Origin', ADMIN);
      expect(headerLines(allowed, 'Access-Control-Allow-Origin')).toEqual([ADMIN]);
      expect(allowed.headers['access-control-allow-credentials']).toBeUndefined();
      const refused = await request(app.getHttpServer()).get('/foreign/plain').set('Origin', EVIL);
      expect(refused.text).toBe('plain');
      expect(refused.headers['access-control-allow-origin']).toBeUndefined();
      expect(refused.headers['access-control-allow-credentials']).toBeUndefined();
    });
  });

  if (adapter === 'express') {
    describe.each<[string, (app: INestApplication, legacy: Express.Express) => void]>([
      ['mounted with app.use', (app, legacy) => app.use('/legacy', legacy)],
      [
        'called from a middleware',
        (app, legacy) =>
          app.use('/legacy', (req: Express.Request, res: Express.Response, next: () => void) =>
            legacy(req, res, next),
          ),
      ],
      ['mounted on a Router', (app, legacy) => app.use(express.Router().use('/legacy', legacy))],
    ])('an express sub-app %s, with a cors() of its own', (_how, mount) => {
      let app: INestApplication;
      beforeAll(async () => {
        const legacy = express();
        legacy.use(cors({ origin: true, credentials: true }));
        legacy.get('/x', (_req, res) => void res.send('legacy'));
        app = await createApp(
          adapter,
          { imports: [CorsModule.forRoot({ origin: [APP] })], controllers: [] },
          { configure: (nestApp) => mount(nestApp, legacy) },
        );
      });
      afterAll(() => app.close());

      it("answers with the global policy's headers only", async () => {
        const refused = await request(app.getHttpServer()).get('/legacy/x').set('Origin', EVIL);
        expect(refused.text).toBe('legacy');
        expect(refused.headers['access-control-allow-origin']).toBeUndefined();
        expect(refused.headers['access-control-allow-credentials']).toBeUndefined();
        expect(headerLines(refused, 'Vary')).toEqual(['Origin']);
        const allowed = await request(app.getHttpServer()).get('/legacy/x').set('Origin', APP);
        expect(headerLines(allowed, 'Access-Control-Allow-Origin')).toEqual([APP]);
        expect(allowed.headers['access-control-allow-credentials']).toBeUndefined();
      });
    });
  }

  describe('requests pipelined on one connection', () => {
    let app: INestApplication;
    let port: number;
    beforeAll(async () => {
      app = await createApp(adapter, {
        imports: [CorsModule.forRoot({ origin: [APP] })],
        controllers: [PipelinedController],
      });
      port = await listen(app);
    });
    afterAll(() => app.close());

    it('each get the decision made for them, while the one before is still being served', async () => {
      // The second answers while the first still has the connection, the third once it has it.
      const responses = await pipelinedRequests(port, [
        { method: 'GET', path: '/pipelined/app/30', headers: [['Origin', APP]] },
        { method: 'GET', path: '/pipelined/admin/0', headers: [['Origin', ADMIN]] },
        { method: 'GET', path: '/pipelined/admin/60', headers: [['Origin', ADMIN]] },
        { method: 'GET', path: '/pipelined/plain', headers: [] },
      ]);
      expect(responses.map(({ status, body }) => [status, body])).toEqual([
        [200, 'app'],
        [200, 'admin'],
        [200, 'admin'],
        [200, 'plain'],
      ]);
      const [app, ...admins] = responses;
      const plain = admins.pop()!;
      expect(app.headers['access-control-allow-origin']).toEqual([APP]);
      expect(app.headers['access-control-allow-credentials']).toEqual(['true']);
      expect(app.headers.vary).toEqual(['Origin']);
      for (const admin of admins) {
        expect(admin.headers['access-control-allow-origin']).toEqual([ADMIN]);
        expect(admin.headers['access-control-allow-credentials']).toBeUndefined();
        expect(admin.headers.vary).toEqual(['Origin']);
      }
      expect(plain.headers['access-control-allow-origin']).toBeUndefined();
      expect(plain.headers.vary).toEqual(['Origin']);
    });
  });

  describe('app.enableCors() next to CorsModule', () => {
    const logs = new LogCapture();
    let app: INestApplication | undefined;
    afterEach(async () => {
      await app?.close();
      logs.detach();
    });

    it('logs a warning at startup telling to remove it', async () => {
      app = await createApp(
        adapter,
        { imports: [CorsModule.forRoot({ origin: [APP] })], controllers: [DuplicateController] },
        {
          configure: (nestApp) => {
            logs.attach(nestApp);
            nestApp.enableCors();
          },
        },
      );
      const warnings = logs.messages('warn');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toContain('app.enableCors()');
      expect(warnings[0]).toContain('Remove it');
      expect(warnings[0]).toContain('CorsModule.forRoot()');
      // Its headers do not reach an origin CorsModule's policy refuses.
      const refused = await request(app.getHttpServer()).get('/dup/header').set('Origin', EVIL);
      expect(refused.headers['access-control-allow-origin']).toBeUndefined();
      const allowed = await request(app.getHttpServer()).get('/dup/header').set('Origin', APP);
      expect(headerLines(allowed, 'Access-Control-Allow-Origin')).toEqual([APP]);
    });
  });
});
