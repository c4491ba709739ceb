import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Controller, Next, Put, type INestApplication } from '@nestjs/common';
import request from 'supertest';
import { Cors, CorsModule } from '../../../lib/index.js';
import { createApp } from '../../support/create-app.js';
import { expectAllowed, expectRefused, preflight } from './preflight-helpers.js';

// Express only: fastify refuses a second route at the same method and path
// (versions aside), so there no route can stand behind another.

const ONE = 'https://one.example';
const TWO = 'https://two.example';

// Two controllers at the same path: express serves every PUT with the first.
@Controller('shadow')
class FirstShadowController {
  @Put()
  @Cors({ origin: [ONE] })
  first() {
    return 'first';
  }
}

@Controller('shadow')
class SecondShadowController {
  @Put()
  @Cors({ origin: [TWO] })
  second() {
    return 'second';
  }
}

// A handler that hands every request on to the next route.
@Controller('relay')
class RelayController {
  @Put()
  @Cors({ origin: [ONE, TWO] })
  relay(@Next() next: () => void) {
    next();
  }
}

@Controller('relay')
class RelayTargetController {
  @Put()
  @Cors({ origin: [ONE] })
  target() {
    return 'target';
  }
}

@Controller('direct')
class DirectTargetController {
  @Put()
  @Cors({ origin: [ONE] })
  target() {
    return 'target';
  }
}

describe('routes behind another at the same method and path on express', () => {
  let app: INestApplication;
  beforeAll(async () => {
    app = await createApp(
      'express',
      {
        imports: [CorsModule.forRoot({ origin: false })],
        controllers: [
          FirstShadowController,
          SecondShadowController,
          RelayController,
          RelayTargetController,
          DirectTargetController,
        ],
      },
      {
        // Registered on the adapter before Nest's routes: it hands every request on.
        configure: (nest) =>
          nest.getHttpAdapter().put('/direct', (...args: unknown[]) => (args[2] as () => void)()),
      },
    );
  });
  afterAll(() => app.close());

  const put = (path: string, origin: string) =>
    request(app.getHttpServer()).put(path).set('Origin', origin);

  it('answers with the policy of the route that serves every request, not of one never reached', async () => {
    expectAllowed(await preflight(app, '/shadow', ONE, 'PUT'), ONE);
    // Only the second route allows TWO, and it never answers.
    expectRefused(await preflight(app, '/shadow', TWO, 'PUT'));
    const fromOne = await put('/shadow', ONE);
    expect(fromOne.text).toBe('first');
    expect(fromOne.headers['access-control-allow-origin']).toBe(ONE);
  });

  it('still weighs the route after a handler that can hand a request on with @Next()', async () => {
    const fromTwo = await put('/relay', TWO);
    expect(fromTwo.text).toBe('target');
    // The target refuses TWO: its answer must not be readable there.
    expect(fromTwo.headers['access-control-allow-origin']).toBeUndefined();
    const fromOne = await put('/relay', ONE);
    expect(fromOne.headers['access-control-allow-origin']).toBe(ONE);
  });

  it('still weighs the route after one registered on the adapter, which can call next()', async () => {
    const fromOne = await put('/direct', ONE);
    expect(fromOne.text).toBe('target');
    // The adapter's route has the global policy (no origin) and may hand the
    // request on: the preflight is allowed, since the target allows ONE.
    expectAllowed(await preflight(app, '/direct', ONE, 'PUT'), ONE);
  });
});
