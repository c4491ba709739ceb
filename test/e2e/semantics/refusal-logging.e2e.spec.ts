import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from '@jest/globals';
import { Controller, Get, Put, type INestApplication } from '@nestjs/common';
import request from 'supertest';
import { Cors, CorsModule } from '../../../lib/index.js';
import { preflight } from '../../support/cors-http.js';
import { ADAPTERS, createApp, type AdapterName } from '../../support/create-app.js';
import { LogCapture } from '../../support/log-capture.js';

const APP = 'https://app.example.com';
const EVIL = 'https://evil.example';

@Controller('logged')
class LoggedController {
  @Get()
  list() {
    return 'list';
  }

  @Put(':id')
  @Cors({ allowedHeaders: ['content-type'] })
  update() {
    return 'updated';
  }

  @Get('off')
  @Cors(false)
  off() {
    return 'off';
  }
}

function start(
  adapter: AdapterName,
  logs: LogCapture,
  levels?: Parameters<LogCapture['attach']>[1],
) {
  return createApp(
    adapter,
    { imports: [CorsModule.forRoot({ origin: [APP] })], controllers: [LoggedController] },
    { configure: (nestApp) => logs.attach(nestApp, levels) },
  );
}

describe.each(ADAPTERS)('refusal logging on %s', (adapter) => {
  describe('with debug enabled', () => {
    const logs = new LogCapture();
    let app: INestApplication;
    beforeAll(async () => {
      app = await start(adapter, logs);
    });
    afterAll(async () => {
      await app.close();
      logs.detach();
    });
    beforeEach(() => logs.clear());

    it('logs a refused preflight origin at debug with the route and the reason', async () => {
      const res = await preflight(app, '/logged', { origin: EVIL, method: 'GET' });
      expect(res.status).toBe(403);
      expect(logs.of().map((entry) => entry.level)).toEqual(['debug']);
      const [message] = logs.messages('debug');
      expect(message).toContain('LoggedController.list (GET /logged)');
      expect(message).toContain(`preflight refused: origin "${EVIL}" is not allowed`);
    });

    it('logs refused preflight headers at debug with the route and the header names', async () => {
      const res = await preflight(app, '/logged/1', {
        origin: APP,
        method: 'PUT',
        headers: 'content-type,x-secret',
      });
      expect(res.status).toBe(403);
      const debug = logs.messages('debug');
      expect(debug).toHaveLength(1);
      expect(debug[0]).toContain('LoggedController.update (PUT /logged/:id)');
      expect(debug[0]).toContain('preflight refused');
      expect(debug[0]).toContain('"x-secret"');
      expect(debug[0]).not.toContain('content-type');
    });

    it('logs a refused actual request at debug with the route and the reason', async () => {
      const res = await request(app.getHttpServer()).get('/logged').set('Origin', EVIL);
      expect(res.status).toBe(200);
      expect(logs.of().map((entry) => entry.level)).toEqual(['debug']);
      const [message] = logs.messages('debug');
      expect(message).toContain('LoggedController.list (GET /logged)');
      expect(message).toContain(`request refused: origin "${EVIL}" is not allowed`);
    });

    it('logs a preflight to a disabled route at debug', async () => {
      await preflight(app, '/logged/off', { origin: APP, method: 'GET' });
      const debug = logs.messages('debug');
      expect(debug).toHaveLength(1);
      expect(debug[0]).toContain('LoggedController.off (GET /logged/off)');
      expect(debug[0]).toContain('CORS is disabled for this route');
    });

    it('logs nothing for allowed preflights and requests', async () => {
      const pre = await preflight(app, '/logged/1', {
        origin: APP,
        method: 'PUT',
        headers: 'content-type',
      });
      expect(pre.status).toBe(204);
      const res = await request(app.getHttpServer()).get('/logged').set('Origin', APP);
      expect(res.headers['access-control-allow-origin']).toBe(APP);
      const plain = await request(app.getHttpServer()).get('/logged');
      expect(plain.status).toBe(200);
      expect(logs.of()).toEqual([]);
    });
  });

  describe('with debug disabled', () => {
    const logs = new LogCapture();
    let app: INestApplication | undefined;
    afterEach(async () => {
      await app?.close();
      logs.detach();
    });

    it('logs no refusal', async () => {
      app = await start(adapter, logs, ['fatal', 'error', 'warn', 'log']);
      const pre = await preflight(app, '/logged', { origin: EVIL, method: 'GET' });
      expect(pre.status).toBe(403);
      await request(app.getHttpServer()).get('/logged').set('Origin', EVIL);
      expect(logs.of()).toEqual([]);
    });
  });
});
