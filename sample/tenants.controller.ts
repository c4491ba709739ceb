import { Controller, Get } from '@nestjs/common';
import { Cors } from '../lib/index.js';
import { DEMO_ORIGIN } from './demo-origin.js';

/** Stands in for a lookup in a tenants table. */
const registeredTenantOrigins = new Set([DEMO_ORIGIN, 'https://shop.tenant.example']);

/**
 * A dynamic origin: decided per request by a function, which may be async
 * (a database lookup). If it throws, the origin is denied, never a 500.
 */
@Controller('tenants')
@Cors({ origin: async (origin: string) => registeredTenantOrigins.has(origin) })
export class TenantsController {
  @Get('me')
  me() {
    return { tenant: 'demo' };
  }
}
