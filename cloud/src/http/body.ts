import { CLOUDEVENTS_BATCH_CONTENT_TYPE } from '@gridlink/protocol';
import express, { type NextFunction, type Request, type Response } from 'express';
import { message } from '../i18n/message.js';
import { ProblemError } from './problems.js';

/** Event batches: up to 5000 events of a few KiB each. */
export const EVENTS_BODY_LIMIT = '16mb';
/** Everything else (a downlink message carries up to 1 MiB of rules). */
export const BODY_LIMIT = '2mb';

/** JSON bodies (also `application/cloudevents-batch+json`); any other media type is a 415 problem. */
export function jsonBody(limit: string) {
  // strict: false so that `"text"` is answered "not an array"/"not an object", not "not JSON".
  const parse = express.json({ limit, strict: false, type: ['application/json', CLOUDEVENTS_BATCH_CONTENT_TYPE] });
  return [
    parse,
    (req: Request, _res: Response, next: NextFunction) => {
      if (req.body === undefined) {
        throw new ProblemError(
          'GL_UNSUPPORTED_MEDIA_TYPE',
          message('body.not_json_type', {
            header: 'Content-Type: application/json',
            received: req.get('content-type') ?? message('header.none', { header: 'Content-Type' }),
          }),
        );
      }
      next();
    },
  ];
}

/** body-parser's own errors as problems. */
export function bodyParserProblem(err: unknown): ProblemError | undefined {
  const type = (err as { type?: unknown } | undefined)?.type;
  switch (type) {
    case 'entity.parse.failed':
      return new ProblemError('GL_BODY_NOT_JSON', message('body.not_json'));
    case 'entity.too.large': {
      const limit = (err as { limit?: number }).limit;
      return new ProblemError(
        'GL_BODY_TOO_LARGE',
        message('body.too_large', { limit: limit ?? message('body.the_limit') }),
      );
    }
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return new ProblemError('GL_UNSUPPORTED_MEDIA_TYPE', message('body.not_utf8'));
    case 'request.aborted':
      return new ProblemError('GL_VALIDATION_FAILED', message('body.cut_off'));
    default:
      return undefined;
  }
}
