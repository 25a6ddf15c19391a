import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { DeviceId, isServiceClientId, SERVICE_CLIENT_ID_PREFIX } from '@gridlink/protocol';
import { Aedes, type AedesOptions, type AedesPublishPacket, type AuthenticateError, type Client } from 'aedes';
import type { Logger } from 'pino';
import { VerifiedCredentials } from '../credentials/verified-cache.js';
import type { Directory } from '../devices/directory.js';
import { mayReceive, publishRefusal, subscribeRefusal } from './acl.js';
import { hardenAgainstOverload, type OverloadGuard } from './overload/harden.js';
import { limitPacketSize } from './packet-size.js';
import type { Principal } from './principal.js';
import { type RefusalCode, type RefusalKind, Refusals } from './refusals.js';
import { SessionOwners } from './session-owners.js';

/** The broker's limits; see `mqtt.limits` in config/schema.ts for what each protects against. */
export interface BrokerLimits {
  max_packet_bytes: number;
  max_topic_levels: number;
  max_client_id_length: number;
  keepalive_max_s: number;
  connect_timeout_ms: number;
  drain_timeout_ms: number;
  max_queued_per_client: number;
}

export const DEFAULT_BROKER_LIMITS: BrokerLimits = {
  max_packet_bytes: 262_144,
  max_topic_levels: 8,
  max_client_id_length: 64,
  keepalive_max_s: 600,
  connect_timeout_ms: 10_000,
  drain_timeout_ms: 30_000,
  max_queued_per_client: 10_000,
};

export interface GatewayBrokerOptions {
  directory: Directory;
  baseTopic: string;
  logger: Logger;
  limits?: Partial<BrokerLimits>;
  /** How a TLS client certificate is used (see `mqtt.tls.client_certificates`). */
  clientCertificates?: 'off' | 'optional' | 'required';
  /** With certificates required: password logins on the plain listeners (`mqtt.tls.allow_plain_passwords`). */
  allowPlainPasswords?: boolean;
  now?: () => number;
}

export interface GatewayBroker {
  aedes: Aedes;
  refusals: Refusals;
  /** Hands a new connection (TCP socket, TLS socket or WebSocket stream) to the broker, guarded. */
  handle(stream: Duplex, request?: IncomingMessage): void;
  principalOf(client: Client): Principal | undefined;
  /** Slow-subscriber and flood protection (overload/harden.ts); its stats feed the metrics. */
  overload: OverloadGuard;
  /**
   * Takes every publish a device is allowed to make, before the broker acknowledges it (aedes
   * writes the QoS1 PUBACK right after authorizePublish, before its `published` hook). A returned
   * promise holds the PUBACK until it settles; a rejection refuses the publish (no PUBACK, the
   * device is disconnected and sends it again later).
   */
  ingest?: DeviceIngest;
}

export type DeviceIngest = (
  client: Client,
  principal: Principal & { type: 'device' },
  packet: AedesPublishPacket,
) => Promise<void> | undefined;

// MQTT 3.1.1 CONNACK return codes.
const BAD_CREDENTIALS = 4;
const NOT_AUTHORIZED = 5;

interface Refusal {
  code: RefusalCode;
  message: string;
}

const refusal = (code: RefusalCode, message: string): Refusal => ({ code, message });

/** The verified identity (CN) of a TLS client certificate, if the connection carries one. */
function certificateIdentity(client: Client): string | undefined {
  const socket = client.conn as Partial<TLSSocket>;
  if (typeof socket.getPeerCertificate !== 'function' || !socket.authorized) return undefined;
  const subject = socket.getPeerCertificate().subject as { CN?: string | string[] } | undefined;
  const cn = subject?.CN;
  return Array.isArray(cn) ? cn[0] : cn;
}

/**
 * The embedded broker with Gridlink's policy in aedes' hooks: deny by default, per-device
 * credentials (password or verified client certificate), a client id that must equal the device
 * id, Will topics under the same ACL, the topic ACL of the conventions, and explicit limits.
 */
export async function createGatewayBroker(options: GatewayBrokerOptions): Promise<GatewayBroker> {
  const limits = { ...DEFAULT_BROKER_LIMITS, ...options.limits };
  const { directory, baseTopic, logger, clientCertificates = 'off', allowPlainPasswords = false } = options;
  const principals = new WeakMap<Client, Principal>();
  const refusals = new Refusals(options.now);
  const credentials = new VerifiedCredentials();

  const refuse = (kind: RefusalKind, who: string, { code, message }: Refusal, detail: Record<string, unknown> = {}) => {
    const suppressed = refusals.record(kind, code, who);
    if (suppressed !== null) {
      logger.warn(
        { kind, code, client: who, ...detail, ...(suppressed > 0 ? { suppressed } : {}) },
        `refused ${kind}: ${message}`,
      );
    }
  };

  const identify = async (
    client: Client,
    username: string | undefined,
    password: Buffer | undefined,
  ): Promise<Principal | Refusal> => {
    const certified = clientCertificates === 'off' ? undefined : certificateIdentity(client);
    if (certified !== undefined) {
      const service = directory.service(certified);
      if (service && isServiceClientId(client.id, certified) && (username === undefined || username === certified)) {
        return { type: 'service', username: certified, role: service.role };
      }
      if (certified !== client.id || (username !== undefined && username !== certified)) {
        return refusal('certificate_mismatch', `certificate is for ${certified}, not client id ${client.id}`);
      }
      const device = directory.device(certified);
      if (!device) return refusal('unknown_user', `no device ${certified} is provisioned`);
      if (device.status !== 'active') return refusal('retired_device', `device ${certified} is retired`);
      return { type: 'device', device };
    }
    if (clientCertificates === 'required') {
      // Every listener, not only TLS: a password must not be a way around the certificate.
      if ((client.conn as Partial<TLSSocket>).encrypted)
        return refusal('certificate_required', 'a client certificate is required on this listener');
      if (!allowPlainPasswords)
        return refusal(
          'certificate_required',
          'a client certificate is required: password logins are off (mqtt.tls.allow_plain_passwords)',
        );
    }
    if (!username || !password)
      return refusal('no_credentials', 'no username/password: every client needs credentials');
    const device = DeviceId.safeParse(username).success ? directory.device(username) : undefined;
    if (device) {
      if (device.status !== 'active') return refusal('retired_device', `device ${username} is retired`);
      if (client.id !== username)
        return refusal('client_id_mismatch', `client id must equal the device id ${username}`);
      if (!(await credentials.verify(`device:${username}`, password, device.passwordHash)))
        return refusal('wrong_password', `wrong password for ${username}`);
      return { type: 'device', device };
    }
    const service = directory.service(username);
    if (service && !isServiceClientId(client.id, username)) {
      const own = `${SERVICE_CLIENT_ID_PREFIX}${username}`;
      return refusal('client_id_mismatch', `a service's client id must be ${own} or start with ${own}-`);
    }
    if (service && (await credentials.verify(`service:${username}`, password, service.passwordHash))) {
      return { type: 'service', username, role: service.role };
    }
    return refusal('unknown_user', `unknown user or wrong password: ${username}`);
  };

  // The Will is published later on the client's behalf: check it at CONNECT, under the same ACL.
  const willRefusal = (client: Client, principal: Principal): Refusal | undefined => {
    const will = (client as unknown as { _will?: { topic: string } | null })._will;
    const denied = will ? publishRefusal(principal, will.topic, baseTopic) : null;
    return denied ? refusal('will_topic_denied', `Will topic: ${denied.message}`) : undefined;
  };

  // Filled in once aedes exists; the hooks below only reach it when packets arrive.
  const gatewayBroker = { refusals, principalOf: (client: Client) => principals.get(client) } as GatewayBroker;
  const sessions = new SessionOwners(
    () => gatewayBroker.aedes,
    (client) => principals.get(client),
  );
  const sessionRefusal = (client: Client, principal: Principal): Refusal | undefined =>
    sessions.mayClaim(client.id, principal)
      ? undefined
      : refusal('session_owner_mismatch', `client id ${client.id} holds another account's session`);

  const hooks: AedesOptions = {
    maxClientsIdLength: limits.max_client_id_length,
    maxTopicLevels: limits.max_topic_levels,
    keepaliveLimit: limits.keepalive_max_s,
    connectTimeout: limits.connect_timeout_ms,
    drainTimeout: limits.drain_timeout_ms,
    authenticate(client, username, password, done) {
      identify(client, username, password).then(
        (result) => {
          const denied = 'code' in result ? result : (sessionRefusal(client, result) ?? willRefusal(client, result));
          if (!denied) {
            principals.set(client, result as Principal);
            sessions.claimed(client, result as Principal);
            return done(null, true);
          }
          refuse('connect', client.id, denied, { username });
          const code =
            denied.code === 'retired_device' ||
            denied.code === 'will_topic_denied' ||
            denied.code === 'session_owner_mismatch'
              ? NOT_AUTHORIZED
              : BAD_CREDENTIALS;
          done(Object.assign(new Error(denied.message), { returnCode: code }) as AuthenticateError, false);
        },
        (err: unknown) => {
          logger.error({ err, client: client.id }, 'authentication failed unexpectedly');
          done(
            Object.assign(new Error('authentication error'), { returnCode: BAD_CREDENTIALS }) as AuthenticateError,
            false,
          );
        },
      );
    },
    authorizePublish(client, packet, done) {
      // Broker-internal publishes (client === null) are the gateway's own.
      if (!client) return done(null);
      const principal = principals.get(client);
      const denied = principal
        ? publishRefusal(principal, packet.topic, baseTopic)
        : refusal('acl_denied', 'not authenticated');
      if (denied) {
        refuse('publish', client.id, denied, { topic: packet.topic });
        return done(new Error(denied.message));
      }
      const held =
        principal?.type === 'device'
          ? gatewayBroker.ingest?.(client, principal, packet as AedesPublishPacket)
          : undefined;
      if (!held) return done(null);
      held.then(
        () => done(null),
        (err: Error) => {
          refuse('publish', client.id, refusal('not_stored', err.message), { topic: packet.topic });
          done(err);
        },
      );
    },
    authorizeSubscribe(client, subscription, done) {
      const principal = principals.get(client);
      const denied = principal
        ? subscribeRefusal(principal, subscription.topic, baseTopic)
        : refusal('acl_denied', 'not authenticated');
      if (denied) {
        refuse('subscribe', client.id, denied, { filter: subscription.topic });
        // A null subscription gives the client a SUBACK failure (0x80) without disconnecting it.
        return done(null, null);
      }
      done(null, subscription);
    },
    authorizeForward(client, packet) {
      const principal = principals.get(client);
      return principal && mayReceive(principal, packet.topic, baseTopic) ? packet : null;
    },
  };

  const aedes = await Aedes.createBroker(hooks);
  // Before any connection reaches aedes.handle: aedes 1.2.0 dies of a stack overflow after a
  // flood, and one frozen subscriber stalls routing for everyone (see overload/harden.ts).
  const overload = hardenAgainstOverload(aedes, {
    maxQueuedPerClient: limits.max_queued_per_client,
    drainTimeoutMs: limits.drain_timeout_ms,
    onEvent: (event) => logger.warn(event, `slow subscriber: ${event.kind}`),
  });
  aedes.on('clientError', (client, err) => logger.debug({ client: client.id, err: err.message }, 'client error'));
  aedes.on('connectionError', (_client, err) => logger.debug({ err: err.message }, 'connection error'));

  const handle = (stream: Duplex, request?: IncomingMessage) => {
    const client = aedes.handle(stream, request);
    limitPacketSize(client, limits.max_packet_bytes, (announced) =>
      refuse(
        'publish',
        (stream as { remoteAddress?: string }).remoteAddress ?? 'unknown',
        refusal(
          'packet_too_large',
          `a packet of ${announced} bytes exceeds mqtt.limits.max_packet_bytes (${limits.max_packet_bytes})`,
        ),
        { client: client.id },
      ),
    );
  };
  Object.assign(gatewayBroker, { aedes, handle, overload });
  return gatewayBroker;
}
