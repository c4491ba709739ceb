import {
  Injectable,
  UnauthorizedException,
  type CanActivate,
  type ExecutionContext,
} from '@nestjs/common';

/** The token the demo page sends; stands in for a real session or JWT. */
export const DEMO_TOKEN = 'demo-token';

/** Stands in for real authentication: requires `Authorization: Bearer demo-token`. */
@Injectable()
export class TokenGuard implements CanActivate {
  canActivate(context: ExecutionContext): boolean {
    const { headers } = context
      .switchToHttp()
      .getRequest<{ headers: Record<string, string | undefined> }>();
    if (headers.authorization !== `Bearer ${DEMO_TOKEN}`) {
      throw new UnauthorizedException(`Send Authorization: Bearer ${DEMO_TOKEN}`);
    }
    return true;
  }
}
