import { Module } from '@nestjs/common';
import { CorsModule } from '../lib/index.js';
import { AccountController } from './account.controller.js';
import { CatalogController } from './catalog.controller.js';
import { OrdersController } from './orders.controller.js';
import { PartnersController } from './partners.controller.js';
import { TenantsController } from './tenants.controller.js';
import { DEMO_ORIGIN } from './demo-origin.js';
import { DiagnosticsController } from './diagnostics.controller.js';

@Module({
  imports: [
    CorsModule.forRoot({
      // The global policy: every route without its own @Cors() uses it.
      origin: [DEMO_ORIGIN, 'https://app.example.com'],
      maxAge: 600,
      // Named policies, picked per controller or route with @Cors('name').
      policies: {
        partners: {
          origin: ['https://*.partner.example', DEMO_ORIGIN],
          exposedHeaders: ['X-Rate-Limit'],
        },
      },
    }),
  ],
  controllers: [
    CatalogController,
    OrdersController,
    PartnersController,
    TenantsController,
    AccountController,
    DiagnosticsController,
  ],
})
export class AppModule {}
