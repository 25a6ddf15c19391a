import type { Request, Response } from 'express';
import type { Registry } from 'prom-client';
import { bearerToken, secretsEqual } from '../gateways/tokens.js';
import { ProblemError } from '../http/problems.js';
import { message } from '../i18n/message.js';

const CHALLENGE = { 'www-authenticate': 'Bearer' };

/**
 * Prometheus `/metrics`, for the metrics token alone: neither the admin token nor a gateway's
 * opens it, so the scraper holds a secret that can do nothing else.
 */
export function metricsRoute(register: Registry, token: string | undefined) {
  return async (req: Request, res: Response) => {
    if (token === undefined)
      throw new ProblemError('GL_UNAUTHENTICATED', message('metrics.token_not_set'), undefined, CHALLENGE);
    const presented = bearerToken(req.get('authorization'));
    if (presented === undefined) {
      throw new ProblemError(
        'GL_UNAUTHENTICATED',
        message('token.missing', { header: 'Authorization: Bearer', token: 'token' }),
        undefined,
        CHALLENGE,
      );
    }
    if (!secretsEqual(presented, token)) {
      throw new ProblemError('GL_UNAUTHENTICATED', message('token.unknown'), undefined, CHALLENGE);
    }
    res.type(register.contentType).send(await register.metrics());
  };
}
