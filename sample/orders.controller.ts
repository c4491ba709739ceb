import { Controller, Delete, Get, Header, Param, Post } from '@nestjs/common';
import { Cors } from '../lib/index.js';
import { DEMO_ORIGIN } from './demo-origin.js';

/**
 * A controller override: the shop front-end sends cookies, so this controller
 * allows credentials for its own origin only. Its routes refine it further.
 */
@Controller('orders')
@Cors({ origin: [DEMO_ORIGIN], credentials: true })
export class OrdersController {
  /** Inherits the controller's policy: credentials from the demo origin. */
  @Get()
  list() {
    return [{ id: 7, total: 42 }];
  }

  /** A per-route override: the page may read X-Order-Id, and the preflight is cached for a minute. */
  @Post()
  @Header('X-Order-Id', '8')
  @Cors({ exposedHeaders: ['X-Order-Id'], maxAge: 60 })
  create() {
    return { id: 8 };
  }

  /** A disabled route: no CORS at all, so browsers on other origins cannot call it. */
  @Delete(':id')
  @Cors(false)
  remove(@Param('id') id: string) {
    return { deleted: Number(id) };
  }
}
