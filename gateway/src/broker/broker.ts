import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { DeviceId, isServiceClientId, SERVICE_CLIENT_ID_PREFIX } from '@gridlink/protocol';
import { Aedes, type AedesOptions, type AedesPublishPacket, type AuthenticateError, type Client } from 'aedes';
import type { Logger } from 'pino';
import { HashBudget } from '../credentials/hash-budget.js';
import { VerifiedCredentials } from '../credentials/verified-cache.js';
import type { DeviceRecord, Directory } from '../devices/directory.js';
import { type AuditSink, IntegratorCommands } from '../integrator/command-gate.js';
import { integratorPublish } from '../integrator/integrator-acl.js';
import { Publisher } from '../publisher.js';
import { mayReceive, publishRefusal, subscribeRefusal } from './acl.js';
import { batchPacketWrites } from './batched-writes.js';
import { forgetPassword } from './forget-password.js';
import { hardenAgainstOverload, type OverloadGuard } from './overload/harden.js';
import { writePacketIdsWithoutCache } from './packet-numbers.js';
import { limitPacketSize, type PacketLimit } from './packet-size.js';
import type { Principal } from './principal.js';
import { decodePublishesOf } from './publish-decoder.js';
import { type RefusalCode, type RefusalKind, type RefusalLogLimits, Refusals } from './refusals.js';
import { mayRetain } from './retain-policy.js';
import { SessionOwners } from './session-owners.js';

/** The broker's limits; see `mqtt.limits` in config/schema.ts for what each protects against. */
export interface BrokerLimits {
  max_packet_bytes: number;
  max_device_packet_bytes: number;
  max_topic_levels: number;
  max_client_id_length: number;
  keepalive_max_s: number;
  connect_timeout_ms: number;
  drain_timeout_ms: number;
  max_queued_per_client: number;
  max_queued_bytes_per_client: number;
  max_inflight_inbound: number;
  max_inbound_per_turn: number;
  max_inbound_read_ahead_bytes: number;
  max_inflight_qos2_per_client: number;
  max_pings_per_minute: number;
  login_failure_burst: number;
  login_failures_per_minute: number;
  login_hash_concurrency: number;
  integrator_command_burst: number;
  integrator_commands_per_minute: number;
}

export const DEFAULT_BROKER_LIMITS: BrokerLimits = {
  max_packet_bytes: 262_144,
  max_device_packet_bytes: 16_384,
  max_topic_levels: 8,
  max_client_id_length: 64,
  keepalive_max_s: 600,
  connect_timeout_ms: 10_000,
  drain_timeout_ms: 30_000,
  max_queued_per_client: 10_000,
  max_queued_bytes_per_client: 1_048_576,
  max_inflight_inbound: 250,
  max_inbound_per_turn: 16,
  max_inbound_read_ahead_bytes: 2_097_152,
  max_inflight_qos2_per_client: 32,
  max_pings_per_minute: 30,
  login_failure_burst: 10,
  login_failures_per_minute: 10,
  login_hash_concurrency: 2,
  integrator_command_burst: 20,
  integrator_commands_per_minute: 60,
};

/** Pings a client may send back to back before `max_pings_per_minute` applies. */
const PING_BURST = 10;

export interface GatewayBrokerOptions {
  directory: Directory;
  baseTopic: string;
  logger: Logger;
  limits?: Partial<BrokerLimits>;
  /** How a TLS client certificate is used (see `mqtt.tls.client_certificates`). */
  clientCertificates?: 'off' | 'optional' | 'required';
  /** With certificates required: password logins on the plain listeners (`mqtt.tls.allow_plain_passwords`). */
  allowPlainPasswords?: boolean;
  /** How refusals are logged (bounded memory, lines per minute); see refusals.ts. */
  refusalLogLimits?: Partial<RefusalLogLimits>;
  /**
   * Where integrators' commands are audited (the registry's audit log); without it they go to
   * the log only (tests and the dev launcher without a registry).
   */
  audit?: AuditSink;
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
   * Takes every publish a device is allowed to make (and an integrator's as a device of its
   * ingest grants: the same path), before the broker acknowledges it (aedes
   * writes the QoS1 PUBACK right after authorizePublish, before its `published` hook). A message
   * that is not `valid` is acknowledged (a device must not resend it forever) but never routed to
   * subscribers nor retained: it goes to the dead-letter topic only. `held` holds the PUBACK until
   * it settles; a rejection refuses the publish (no PUBACK, the device is disconnected and sends
   * it again later).
   */
  ingest?: DeviceIngest;
}

export type DeviceIngest = (
  client: Client,
  device: DeviceRecord,
  packet: AedesPublishPacket,
) => { valid: boolean; held?: Promise<void> | undefined };

// MQTT 3.1.1 CONNACK return codes.
const SERVER_UNAVAILABLE = 3;
const BAD_CREDENTIALS = 4;
const NOT_AUTHORIZED = 5;

interface Refusal {
  code: RefusalCode;
  message: string;
}

const refusal = (code: RefusalCode, message: string): Refusal => ({ code, message });
const throttled = refusal('throttled', 'too many failed logins from this address: try again later');

/** The verified identity (CN) of a TLS client certificate, if the connection carries one. */
function certificateIdentity(client: Client): string | undefined {
  const socket = client.conn as Partial<TLSSocket>;
  if (typeof socket.getPeerCertificate !== 'function' || !socket.authorized) return undefined;
  const subject = socket.getPeerCertificate().subject as { CN?: string | string[] } | undefined;
  const cn = subject?.CN;
  return Array.isArray(cn) ? cn[0] : cn;
}

/** The address a client connects from (TCP and TLS sockets; the HTTP request of a WebSocket). */
function sourceAddress(client: Client): string {
  const conn = client.conn as { remoteAddress?: string };
  const request = (client as unknown as { req?: { socket?: { remoteAddress?: string } } }).req;
  return conn.remoteAddress ?? request?.socket?.remoteAddress ?? 'unknown';
}

/**
 * The embedded broker with Gridlink's policy in aedes' hooks: deny by default, per-device
 * credentials (password or verified client certificate), a client id that must equal the device
 * id, Will topics under the same ACL, the topic ACL of the conventions, and explicit limits.
 */
export async function createGatewayBroker(options: GatewayBrokerOptions): Promise<GatewayBroker> {
  writePacketIdsWithoutCache();
  batchPacketWrites();
  const limits = { ...DEFAULT_BROKER_LIMITS, ...options.limits };
  const { directory, baseTopic, logger, clientCertificates = 'off', allowPlainPasswords = false } = options;
  const principals = new WeakMap<Client, Principal>();
  const now = options.now ?? Date.now;
  const refusals = new Refusals(now, options.refusalLogLimits);
  const credentials = new VerifiedCredentials();
  const hashing = new HashBudget(
    {
      burst: limits.login_failure_burst,
      perMinute: limits.login_failures_per_minute,
      concurrency: limits.login_hash_concurrency,
    },
    now,
  );
  // Unauthenticated clients pay for their password hashes from their address's budget.
  const verify = async (client: Client, principal: string, password: Buffer, storedHash: string) =>
    credentials.verify(principal, password, storedHash, (run) => hashing.run(sourceAddress(client), run));

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
      const verified = await verify(client, `device:${username}`, password, device.passwordHash);
      if (verified === 'throttled') return throttled;
      if (!verified) return refusal('wrong_password', `wrong password for ${username}`);
      return { type: 'device', device };
    }
    const service = directory.service(username);
    if (service && !isServiceClientId(client.id, username)) {
      const own = `${SERVICE_CLIENT_ID_PREFIX}${username}`;
      return refusal('client_id_mismatch', `a service's client id must be ${own} or start with ${own}-`);
    }
    if (service) {
      const verified = await verify(client, `service:${username}`, password, service.passwordHash);
      if (verified === 'throttled') return throttled;
      if (verified) return { type: 'service', username, role: service.role };
    }
    return refusal('unknown_user', `unknown user or wrong password: ${username}`);
  };

  // The Will is published later on the client's behalf: check it at CONNECT, under the same ACL
  // and the same retain policy.
  const willRefusal = (client: Client, principal: Principal): Refusal | undefined => {
    const will = (client as unknown as { _will?: { topic: string; retain?: boolean } | null })._will;
    const denied = will ? publishRefusal(principal, will.topic, baseTopic, directory) : null;
    if (denied) return refusal('will_topic_denied', `Will topic: ${denied.message}`);
    if (will?.retain && !mayRetain(will.topic, baseTopic)) will.retain = false;
    return undefined;
  };

  const audit: AuditSink =
    options.audit ?? ((entry) => logger.info({ audit: entry }, `${entry.action} ${entry.target ?? ''}`));
  const integratorCommands = new IntegratorCommands({
    baseTopic,
    rate: { burst: limits.integrator_command_burst, perMinute: limits.integrator_commands_per_minute },
    audit: (entry) => {
      try {
        audit(entry);
      } catch (err) {
        // A full disk must not take the broker down; the command's fate is in the log instead.
        logger.error({ err, audit: entry }, 'could not write an audit entry');
      }
    },
    deadLetter: (topic, letter) => void gatewayBroker.publisher.publish(topic, letter),
    now,
  });

  // Messages that failed validation: acknowledged to their device, never routed (see `publish` below).
  const quarantined = new WeakSet<object>();
  // Unreleased inbound QoS2 message ids per client id. aedes bounds them per connection only
  // (`maxInflightInbound`) while a resumed session keeps the stored ones: sharing the set across
  // a client id's connections makes the bound hold for the session.
  const unreleasedQoS2 = new Map<string, Set<number>>();
  const pings = new WeakMap<Client, { tokens: number; at: number }>();

  // Filled in once aedes exists; the hooks below only reach it when packets arrive.
  const gatewayBroker = { refusals, principalOf: (client: Client) => principals.get(client) } as GatewayBroker & {
    publisher: Publisher;
  };
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
    maxInflightInbound: limits.max_inflight_qos2_per_client,
    preConnect(client, packet, done) {
      // mqtt-packet reads protocol levels 131/132 as 3/4 plus a bridge flag (no-local, retain
      // as published): bridging is for brokers, and the gateway has none to talk to.
      if ((packet as { bridgeMode?: boolean }).bridgeMode) {
        refuse(
          'connect',
          sourceAddress(client),
          refusal('bridge_connect', 'a bridge CONNECT (protocol level 131/132)'),
          {
            client_id: packet.clientId,
          },
        );
        return done(new Error('bridge connections are not accepted'), false);
      }
      done(null, true);
    },
    authenticate(client, username, password, done) {
      identify(client, username, password).then(
        (result) => {
          forgetPassword(client);
          const denied = 'code' in result ? result : (sessionRefusal(client, result) ?? willRefusal(client, result));
          if (!denied) {
            principals.set(client, result as Principal);
            sessions.claimed(client, result as Principal);
            adoptUnreleasedQoS2(client);
            return done(null, true);
          }
          refuse('connect', client.id, denied, { username });
          const code =
            denied.code === 'retired_device' ||
            denied.code === 'will_topic_denied' ||
            denied.code === 'session_owner_mismatch'
              ? NOT_AUTHORIZED
              : denied.code === 'throttled'
                ? SERVER_UNAVAILABLE
                : BAD_CREDENTIALS;
          done(Object.assign(new Error(denied.message), { returnCode: code }) as AuthenticateError, false);
        },
        (err: unknown) => {
          forgetPassword(client);
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
      if (principal?.type === 'service' && principal.role === 'integrator') {
        return authorizeIntegrator(client, principal.username, packet as AedesPublishPacket, done);
      }
      const denied = principal
        ? publishRefusal(principal, packet.topic, baseTopic, directory)
        : refusal('acl_denied', 'not authenticated');
      if (denied) {
        refuse('publish', client.id, denied, { topic: packet.topic });
        return done(new Error(denied.message));
      }
      if (packet.retain && !mayRetain(packet.topic, baseTopic)) packet.retain = false;
      const verdict =
        principal?.type === 'device'
          ? gatewayBroker.ingest?.(client, principal.device, packet as AedesPublishPacket)
          : undefined;
      settle(client, packet as AedesPublishPacket, verdict, done);
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

  type PublishDone = (err?: Error | null) => void;

  // A device message (from its device, or an integrator's ingest): quarantined when invalid,
  // its PUBACK held until the outbox has it.
  function settle(
    client: Client,
    packet: AedesPublishPacket,
    verdict: ReturnType<DeviceIngest> | undefined,
    done: PublishDone,
  ): void {
    if (verdict && !verdict.valid) quarantined.add(packet);
    const held = verdict?.held;
    if (!held) {
      done(null);
      return;
    }
    held.then(
      () => done(null),
      (err: Error) => {
        refuse('publish', client.id, refusal('not_stored', err.message), { topic: packet.topic });
        done(err);
      },
    );
  }

  // An integrator: the ACL from its grants (a refusal closes the connection as for everyone),
  // then a command's rate limit and profile check, or an ingest message's device path.
  function authorizeIntegrator(client: Client, username: string, packet: AedesPublishPacket, done: PublishDone): void {
    const decision = integratorPublish(username, packet.topic, baseTopic, directory);
    if ('refused' in decision) {
      if (decision.command !== undefined) {
        integratorCommands.refusedByAcl(
          { username, address: sourceAddress(client), topic: packet.topic, deviceId: decision.command },
          decision.refused.message,
        );
      }
      refuse('publish', client.id, decision.refused, { topic: packet.topic });
      done(new Error(decision.refused.message));
      return;
    }
    if (packet.retain && !mayRetain(packet.topic, baseTopic)) packet.retain = false;
    if (decision.allowed === 'request') {
      done(null);
      return;
    }
    if (decision.allowed === 'ingest') {
      settle(client, packet, gatewayBroker.ingest?.(client, decision.device, packet), done);
      return;
    }
    const verdict = integratorCommands.check({
      username,
      address: sourceAddress(client),
      device: decision.device,
      topic: packet.topic,
      payload: packet.payload as Uint8Array,
    });
    if (!verdict.deliver) {
      refuse('publish', client.id, refusal(verdict.code, verdict.reason), { topic: packet.topic });
      quarantined.add(packet);
    }
    done(null);
  }

  const aedes = await Aedes.createBroker(hooks);

  // A quarantined message still completes aedes' publish series for its sender (PUBACK / PUBREC,
  // the QoS2 store), but reaches no subscriber, no session queue and no retained store.
  type Done = (err?: Error) => void;
  const publish = aedes.publish.bind(aedes) as (packet: AedesPublishPacket, client: unknown, done?: Done) => void;
  aedes.publish = ((packet: AedesPublishPacket, client: Client | null | Done, done?: Done) => {
    if (client && typeof client !== 'function' && quarantined.has(packet)) {
      quarantined.delete(packet);
      return done?.();
    }
    return publish(packet, client, done);
  }) as Aedes['publish'];

  function adoptUnreleasedQoS2(client: Client): void {
    let held: Set<number> | undefined;
    if (client.clean) {
      // A clean connection discards the session (aedes cleans its stored QoS2 messages too).
      unreleasedQoS2.delete(client.id);
      held = new Set<number>();
    } else {
      held = unreleasedQoS2.get(client.id) ?? new Set<number>();
      unreleasedQoS2.set(client.id, held);
    }
    (client as unknown as { _inboundInflight: Set<number> })._inboundInflight = held;
  }
  aedes.on('clientDisconnect', (client) => {
    // Nothing left to remember: the map holds only sessions with unreleased messages.
    if (unreleasedQoS2.get(client.id)?.size === 0) unreleasedQoS2.delete(client.id);
  });

  // A client that pings faster than any keep-alive needs (and may never read the answers) is cut off.
  aedes.on('ping', (_packet, client) => {
    const at = now();
    const bucket = pings.get(client) ?? { tokens: PING_BURST, at };
    bucket.tokens = Math.min(PING_BURST, bucket.tokens + ((at - bucket.at) * limits.max_pings_per_minute) / 60_000);
    bucket.at = at;
    pings.set(client, bucket);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return;
    }
    refuse(
      'session',
      client.id,
      refusal(
        'too_many_pings',
        `more than ${limits.max_pings_per_minute} pings a minute (mqtt.limits.max_pings_per_minute)`,
      ),
    );
    client.conn.destroy();
  });
  // Before any connection reaches aedes.handle: aedes 1.2.0 dies of a stack overflow after a
  // flood, and one frozen subscriber stalls routing for everyone (see overload/harden.ts).
  const overload = hardenAgainstOverload(aedes, {
    maxQueuedPerClient: limits.max_queued_per_client,
    maxQueuedBytesPerClient: limits.max_queued_bytes_per_client,
    drainTimeoutMs: limits.drain_timeout_ms,
    inbound: {
      maxInflight: limits.max_inflight_inbound,
      maxPacketsPerTurn: limits.max_inbound_per_turn,
      maxReadAheadBytes: limits.max_inbound_read_ahead_bytes,
    },
    onEvent: (event) => logger.warn(event, `slow subscriber: ${event.kind}`),
  });
  aedes.on('clientError', (client, err) => {
    if (err.message.startsWith('maxInflightInbound exceeded')) {
      refuse(
        'session',
        client.id,
        refusal(
          'too_many_unreleased_qos2',
          `more than ${limits.max_inflight_qos2_per_client} QoS2 messages awaiting PUBREL (mqtt.limits.max_inflight_qos2_per_client)`,
        ),
      );
      return;
    }
    logger.debug({ client: client.id, err: err.message }, 'client error');
  });
  aedes.on('connectionError', (_client, err) => logger.debug({ err: err.message }, 'connection error'));

  const packetLimit: PacketLimit = { bytes: limits.max_packet_bytes, name: 'max_packet_bytes' };
  const devicePacketLimit: PacketLimit =
    limits.max_device_packet_bytes < limits.max_packet_bytes
      ? { bytes: limits.max_device_packet_bytes, name: 'max_device_packet_bytes' }
      : packetLimit;
  const handle = (stream: Duplex, request?: IncomingMessage) => {
    const client = aedes.handle(stream, request);
    // Until it has signed in a client may be a service; once a device, the device limit applies.
    const limitOf = () => (principals.get(client)?.type === 'device' ? devicePacketLimit : packetLimit);
    limitPacketSize(client, limitOf, (announced, limit) =>
      refuse(
        'publish',
        (stream as { remoteAddress?: string }).remoteAddress ?? 'unknown',
        refusal(
          'packet_too_large',
          `a packet of ${announced} bytes exceeds mqtt.limits.${limit.name} (${limit.bytes})`,
        ),
        { client: client.id },
      ),
    );
    decodePublishesOf(client, () => limitOf().bytes);
  };
  Object.assign(gatewayBroker, { aedes, handle, overload, publisher: new Publisher(aedes) });
  return gatewayBroker;
}
