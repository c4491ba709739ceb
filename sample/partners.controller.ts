import { Controller, Get, Header } from '@nestjs/common';
import { Cors } from '../lib/index.js';

/** A named policy, defined once in forRoot({ policies }) and shared by every partner-facing controller. */
@Controller('partners')
@Cors('partners')
export class PartnersController {
  @Get('feed')
  @Header('X-Rate-Limit', '100')
  feed() {
    return { items: ['spring catalogue'] };
  }
}
