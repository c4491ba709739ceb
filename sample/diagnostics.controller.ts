import { Controller, Get, NotFoundException } from '@nestjs/common';
import { Cors, CorsInspector } from '../lib/index.js';

/**
 * The effective CORS policy of every route, for developers: GET /cors/routes.
 * Answers 404 in production (NODE_ENV=production), and never to other origins.
 */
@Controller('cors')
@Cors(false)
export class DiagnosticsController {
  constructor(private readonly inspector: CorsInspector) {}

  @Get('routes')
  routes() {
    if (process.env.NODE_ENV === 'production') throw new NotFoundException();
    return this.inspector.routes();
  }
}
