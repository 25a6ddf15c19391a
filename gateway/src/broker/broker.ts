import { DeviceId } from '@gridlink/protocol';
import { Aedes, type AedesOptions, type AuthenticateError, type Client } from 'aedes';
import type { Logger } from 'pino';
import { verifyPassword } from '../credentials/password.js';
import type { Directory } from '../devices/directory.js';
import { publishRefusal, subscribeRefusal } from './acl.js';
import type { Principal } from './principal.js';
import { RefusalCounter, type RefusalKind } from './refusals.js';

/** Safe defaults: aedes itself has no packet-size cap and generous everything else. */
export interface BrokerLimits {
  maxClientIdLength: number;
  maxTopicLevels: number;
  keepaliveLimitSeconds: number;
  connectTimeoutMs: number;
  drainTimeoutMs: number;
}

export const DEFAULT_BROKER_LIMITS: BrokerLimits = {
  maxClientIdLength: 64,
  maxTopicLevels: 8,
  keepaliveLimitSeconds: 600,
  connectTimeoutMs: 10_000,
  drainTimeoutMs: 30_000,
};

export interface GatewayBrokerOptions {
  directory: Directory;
  baseTopic: string;
  logger: Logger;
  limits?: Partial<BrokerLimits>;
}

export interface GatewayBroker {
  aedes: Aedes;
  refusals: RefusalCounter;
  principalOf(client: Client): Principal | undefined;
}

// MQTT 3.1.1 CONNACK return codes.
const BAD_CREDENTIALS = 4;
const NOT_AUTHORIZED = 5;

function authError(message: string, returnCode: number): AuthenticateError {
  return Object.assign(new Error(message), { returnCode }) as AuthenticateError;
}

/**
 * The embedded broker with Gridlink's policy in aedes' hooks: deny by default, per-device
 * credentials, a client id that must equal the device id, and the topic ACL of the conventions.
 */
export async function createGatewayBroker(options: GatewayBrokerOptions): Promise<GatewayBroker> {
  const limits = { ...DEFAULT_BROKER_LIMITS, ...options.limits };
  const { directory, baseTopic, logger } = options;
  const principals = new WeakMap<Client, Principal>();
  const refusals = new RefusalCounter();

  const refuse = (kind: RefusalKind, client: Client | null, reason: string, detail: Record<string, unknown> = {}) => {
    refusals.add(kind, reason.split(':')[0] ?? reason);
    logger.warn({ client: client?.id, ...detail, reason }, `refused ${kind}`);
  };

  const resolvePrincipal = async (client: Client, username: string | undefined, password: Buffer | undefined) => {
    if (!username || !password) return { error: 'no username/password: every client needs credentials' };
    const device = DeviceId.safeParse(username).success ? directory.device(username) : undefined;
    if (device) {
      if (device.status !== 'active') return { error: `device ${username} is retired` };
      if (client.id !== username) return { error: `client id must equal the device id ${username}` };
      if (!(await verifyPassword(password, device.passwordHash))) return { error: `wrong password for ${username}` };
      return { principal: { type: 'device', device } satisfies Principal };
    }
    const service = directory.service(username);
    if (service && (await verifyPassword(password, service.passwordHash))) {
      return { principal: { type: 'service', username, role: service.role } satisfies Principal };
    }
    return { error: `unknown user or wrong password: ${username}` };
  };

  const hooks: AedesOptions = {
    maxClientsIdLength: limits.maxClientIdLength,
    maxTopicLevels: limits.maxTopicLevels,
    keepaliveLimit: limits.keepaliveLimitSeconds,
    connectTimeout: limits.connectTimeoutMs,
    drainTimeout: limits.drainTimeoutMs,
    authenticate(client, username, password, done) {
      resolvePrincipal(client, username, password).then(
        (result) => {
          if ('principal' in result && result.principal) {
            principals.set(client, result.principal);
            done(null, true);
            return;
          }
          const reason = result.error ?? 'refused';
          refuse('connect', client, reason, { username });
          const code = reason.startsWith('device') && reason.includes('retired') ? NOT_AUTHORIZED : BAD_CREDENTIALS;
          done(authError(reason, code), false);
        },
        (err: unknown) => {
          logger.error({ err, client: client.id }, 'authentication failed unexpectedly');
          done(authError('authentication error', BAD_CREDENTIALS), false);
        },
      );
    },
    authorizePublish(client, packet, done) {
      // Broker-internal publishes (client === null) are the gateway's own.
      if (!client) return done(null);
      const principal = principals.get(client);
      const reason = principal ? publishRefusal(principal, packet.topic, baseTopic) : 'not authenticated';
      if (reason) {
        refuse('publish', client, reason, { topic: packet.topic });
        return done(new Error(reason));
      }
      done(null);
    },
    authorizeSubscribe(client, subscription, done) {
      const principal = principals.get(client);
      const reason = principal ? subscribeRefusal(principal, subscription.topic, baseTopic) : 'not authenticated';
      if (reason) {
        refuse('subscribe', client, reason, { filter: subscription.topic });
        // A null subscription gives the client a SUBACK failure (0x80) without disconnecting it.
        return done(null, null);
      }
      done(null, subscription);
    },
  };

  const aedes = await Aedes.createBroker(hooks);
  aedes.on('clientError', (client, err) => logger.debug({ client: client.id, err: err.message }, 'client error'));
  aedes.on('connectionError', (_client, err) => logger.debug({ err: err.message }, 'connection error'));
  return { aedes, refusals, principalOf: (client) => principals.get(client) };
}
