import {
  Injectable,
  SetMetadata,
  type CallHandler,
  type ExecutionContext,
  type NestInterceptor,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { PlatformErrorCode } from '@hotswap/contracts';
import type { Request } from 'express';
import type { Observable } from 'rxjs';
import { DomainError } from './domain-error';

const ACCEPTS = Symbol('hotswap.accepts');
export const JSON_MEDIA_TYPES = ['application/json', 'application/*+json'];

/** Declares the request body media types a route takes (JSON when not declared). */
export const AcceptsContent = (...mediaTypes: string[]) => SetMetadata(ACCEPTS, mediaTypes);

function hasBody(req: Request): boolean {
  const length = req.headers['content-length'];
  return (length !== undefined && length !== '0') || req.headers['transfer-encoding'] !== undefined;
}

/** Whether `contentType` is accepted by `accepted`: an exact type, any type, `type/any`, or a `+suffix` wildcard. */
export function mediaTypeMatches(contentType: string, accepted: string): boolean {
  const [type, subtype] = accepted.split('/');
  const [actualType, actualSubtype] = contentType.split('/');
  if (
    type === undefined ||
    subtype === undefined ||
    actualType === undefined ||
    actualSubtype === undefined
  ) {
    return false;
  }
  if (actualType === '' || actualSubtype === '') return false;
  if (type !== '*' && type !== actualType) return false;
  if (subtype === '*' || subtype === actualSubtype) return true;
  // `application/*+json` takes any subtype with that structured-syntax suffix (`merge-patch+json`).
  if (subtype.startsWith('*+')) {
    const suffix = subtype.slice(1);
    return actualSubtype.length > suffix.length && actualSubtype.endsWith(suffix);
  }
  return false;
}

/** A body in a media type the route does not take is refused with 415 before the handler runs. */
@Injectable()
export class ContentTypeInterceptor implements NestInterceptor {
  constructor(private readonly reflector: Reflector) {}

  intercept(context: ExecutionContext, next: CallHandler): Observable<unknown> {
    if (context.getType() === 'http') {
      const req = context.switchToHttp().getRequest<Request>();
      if (hasBody(req)) {
        const accepted =
          this.reflector.getAllAndOverride<string[] | undefined>(ACCEPTS, [
            context.getHandler(),
            context.getClass(),
          ]) ?? JSON_MEDIA_TYPES;
        const contentType = (req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
        if (!accepted.some((a) => mediaTypeMatches(contentType, a))) {
          throw new DomainError(
            PlatformErrorCode.UnsupportedMediaType,
            `Content-Type '${contentType || '(none)'}' is not accepted here; send ${accepted.join(' or ')}.`,
          );
        }
      }
    }
    return next.handle();
  }
}
