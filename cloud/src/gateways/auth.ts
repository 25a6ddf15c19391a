import type { TLSSocket } from 'node:tls';
import type { NextFunction, Request, Response } from 'express';
import { fromDatabase } from '../http/database.js';
import { ProblemError } from '../http/problems.js';
import { type Message, message } from '../i18n/message.js';
import type { GatewayRegistry, TokenOwner } from './registry.js';
import { bearerToken, secretsEqual } from './tokens.js';

const CHALLENGE = { 'www-authenticate': 'Bearer' };

export type Caller = { kind: 'admin' } | ({ kind: 'gateway' } & TokenOwner);

function unauthenticated(detail: Message): ProblemError {
  return new ProblemError('GL_UNAUTHENTICATED', detail, undefined, CHALLENGE);
}

/**
 * Who is calling: the administrators (the configured admin token, compared in constant time) or a
 * gateway (a current or grace-period token). Unknown tokens and missing headers are 401.
 */
export async function identify(req: Request, adminToken: string, registry: GatewayRegistry): Promise<Caller> {
  const token = bearerToken(req.get('authorization'));
  if (token === undefined)
    throw unauthenticated(message('token.missing', { header: 'Authorization: Bearer', token: 'token' }));
  if (secretsEqual(token, adminToken)) return { kind: 'admin' };
  const owner = await fromDatabase(() => registry.authenticate(token));
  if (owner === undefined) throw unauthenticated(message('token.unknown'));
  return { kind: 'gateway', ...owner };
}

/** Admin routes. */
export function requireAdmin(adminToken: string) {
  return (req: Request, _res: Response, next: NextFunction) => {
    const token = bearerToken(req.get('authorization'));
    if (token === undefined)
      throw unauthenticated(message('token.missing', { header: 'Authorization: Bearer', token: 'admin' }));
    if (!secretsEqual(token, adminToken)) throw unauthenticated(message('token.needs_admin'));
    next();
  };
}

export type ClientCertificates = 'off' | 'optional' | 'required';

/** The CN of the verified TLS client certificate on this request's connection, if any. */
function certificateIdentity(req: Request): string | undefined {
  const socket = req.socket as Partial<TLSSocket>;
  if (typeof socket.getPeerCertificate !== 'function' || !socket.authorized) return undefined;
  const cn = (socket.getPeerCertificate().subject as { CN?: string | string[] } | undefined)?.CN;
  return Array.isArray(cn) ? cn[0] : cn;
}

/**
 * A gateway's request under client certificates: when they are on, a verified certificate must name
 * `gatewayId` (CN), and when they are required a request without one is refused, token or not.
 */
export function checkClientCertificate(req: Request, gatewayId: string, clientCertificates: ClientCertificates): void {
  if (clientCertificates === 'off') return;
  const cn = certificateIdentity(req);
  if (cn === undefined && clientCertificates === 'required') {
    throw unauthenticated(message('certificate.required', { setting: 'uplink.cert_file' }));
  }
  if (cn !== undefined && cn !== gatewayId) {
    throw new ProblemError('GL_FORBIDDEN', message('certificate.other_gateway', { cn, gateway: gatewayId }));
  }
}

/**
 * Routes of gateway `:id`, called by that gateway with its own token; another gateway's is 403.
 * With client certificates on, a verified certificate must name the same gateway (CN), and when
 * they are required a request without one is refused, token or not.
 */
export function requireGateway(registry: GatewayRegistry, clientCertificates: ClientCertificates = 'off') {
  return async (req: Request<{ id: string }>, res: Response, next: NextFunction) => {
    const token = bearerToken(req.get('authorization'));
    if (token === undefined)
      throw unauthenticated(message('token.missing', { header: 'Authorization: Bearer', token: 'gateway' }));
    const owner = await fromDatabase(() => registry.authenticate(token));
    if (owner === undefined) throw unauthenticated(message('token.unknown'));
    if (owner.gatewayId !== req.params.id) {
      throw new ProblemError('GL_FORBIDDEN', message('token.other_gateway', { gateway: req.params.id }));
    }
    checkClientCertificate(req, req.params.id, clientCertificates);
    res.locals.gateway = owner;
    next();
  };
}
