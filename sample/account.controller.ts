import { Controller, Get, UseGuards } from '@nestjs/common';
import { TokenGuard } from './token.guard.js';

/**
 * A guard-protected route with the global policy. The CORS headers are set
 * before guards run, so a page without a token reads the guard's 401 (and can
 * send its user to a login page) instead of seeing a CORS error. Preflights are
 * answered before the guard, which never sees them.
 */
@Controller('account')
@UseGuards(TokenGuard)
export class AccountController {
  @Get()
  me() {
    return { user: 'demo' };
  }
}
