import { Controller, Get, Header } from '@nestjs/common';
import { Cors } from '../lib/index.js';

/** A named policy, defined once in forRoot({ policies }) and shared by every partner-facing controller. */
@Controller('partners')
@Cors('partners')
export class PartnersController {
  /** X-Rate-Limit is exposed by the named policy; X-Served-By is not, so pages read it as null. */
  @Get('feed')
  @Header('X-Rate-Limit', '100')
  @Header('X-Served-By', 'sample')
  feed() {
    return { items: ['spring catalogue'] };
  }
}
