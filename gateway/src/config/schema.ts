import { isIP } from 'node:net';
import { CommunityCode, GatewayId } from '@gridlink/protocol';
import { z } from 'zod';
import { hostOf, normalizeHost, probeTarget } from '../onvif/camera-address.js';

/**
 * The gateway's configuration: one YAML file, validated once at boot, then frozen. Every default
 * here is the safe one; env overrides are named from the path (`GRIDLINK_MQTT__PORT`) and secrets
 * may come from `<NAME>_FILE` (see load.ts).
 */
const port = z.int().min(0).max(65535);

const Limits = z.strictObject({
  /** aedes has no packet-size cap: without one a client can make it buffer ~256 MB. */
  max_packet_bytes: z.int().min(1024).max(268_435_455).default(262_144),
  /**
   * Largest packet from a signed-in device (the smaller of this and `max_packet_bytes` applies).
   * Device messages are small JSON (every profile's largest valid message is under 7 KB even with
   * every character escaped, see broker/device-packet-size.test.ts); a flood of large invalid
   * payloads costs memory in proportion to this.
   */
  max_device_packet_bytes: z.int().min(1024).max(268_435_455).default(16_384),
  max_topic_levels: z.int().min(3).max(100).default(8),
  max_client_id_length: z.int().min(8).max(256).default(64),
  keepalive_max_s: z.int().min(10).max(65535).default(600),
  connections_per_address: z.int().min(1).default(500),
  connect_timeout_ms: z.int().min(100).default(10_000),
  /** How long a frozen subscriber may block its socket before it is disconnected. */
  drain_timeout_ms: z.int().min(100).default(30_000),
  /** Messages queued to one slow subscriber before the broker drops QoS0 / disconnects it. */
  max_queued_per_client: z.int().min(10).default(10_000),
  /**
   * Bytes waiting in one client's socket (it reads slower than it is sent to) before the broker
   * drops its QoS0 messages and disconnects it on QoS1/2, whatever the message count.
   */
  max_queued_bytes_per_client: z
    .int()
    .min(16_384, 'at least 16384 (16 KiB): a client must be able to take one device message and its acks')
    .default(1_048_576),
  /**
   * Packets of signed-in clients being handled at once, gateway-wide: above it the broker reads
   * no more from any socket (the rest waits in the kernel) and clients take turns. Each costs
   * ~1.5 KB of memory while it is handled; too low a value lowers the messages per second, too
   * high a one too (more is alive at each young-generation collection: in bench/broker-throughput.ts
   * 250 took 6–9 % less CPU a message than 1,000, and 128 more than 250 at QoS 1) and makes a device
   * wait behind a flood.
   */
  max_inflight_inbound: z
    .int()
    .min(64, 'at least 64: below that the broker cannot keep its own pipeline busy')
    .max(100_000, 'at most 100000: each packet being handled costs ~1.5 KB')
    .default(250),
  /** Packets of one client the broker handles at a time before serving the next waiting client. */
  max_inbound_per_turn: z.int().min(1).max(1000).default(16),
  /**
   * Bytes read from flooding clients' sockets ahead of the broker, gateway-wide (a socket read is
   * up to 64 KiB): above it they wait in the kernel. Clients that send little are not held by it.
   */
  max_inbound_read_ahead_bytes: z.int().min(65_536, 'at least 65536 (64 KiB): one socket read').default(2_097_152),
  /** Inbound QoS2 messages awaiting PUBREL per session; beyond it the client is disconnected (aedes alone allows 1,000). */
  max_inflight_qos2_per_client: z.int().min(1).max(65_535).default(32),
  /** PINGREQs a client may send per minute (after a burst of 10); a client pinging faster is disconnected. */
  max_pings_per_minute: z.int().min(1).default(30),
  /** Commands an integrator account may send in a burst before `integrator_commands_per_minute` applies. */
  integrator_command_burst: z.int().min(1).default(20),
  /** Commands an integrator account (all its connections) may send per minute; beyond it they are refused, not delivered. */
  integrator_commands_per_minute: z.int().min(1).default(60),
  /** Failed password checks one source address may make in a burst before it is refused without hashing. */
  login_failure_burst: z.int().min(1).default(10),
  /** Failed password checks an address earns back per minute. */
  login_failures_per_minute: z.int().min(1).default(10),
  /** Password hashes running at once, gateway-wide, so a flood of bad logins cannot starve good ones. */
  login_hash_concurrency: z.int().min(1).max(64).default(2),
});

const Tls = z.strictObject({
  enabled: z.boolean().default(false),
  host: z.string().default('0.0.0.0'),
  port: port.default(8883),
  cert_file: z.string().min(1).optional(),
  key_file: z.string().min(1).optional(),
  /** CA that signs device certificates; needed when client certificates are used. */
  ca_file: z.string().min(1).optional(),
  /** `required`: only certificate auth; `optional`: a certificate, if presented, must match the client id. */
  client_certificates: z.enum(['off', 'optional', 'required']).default('off'),
  /**
   * With `client_certificates: required`, the plain listeners (TCP `mqtt.port`, WebSocket) are off
   * and no password logs in anywhere. `true` keeps them open for password logins of devices that
   * cannot do TLS (logged as a warning at every start).
   */
  allow_plain_passwords: z.boolean().default(false),
});

const WebSocket = z.strictObject({
  enabled: z.boolean().default(false),
  host: z.string().default('0.0.0.0'),
  port: port.default(8083),
  path: z.string().startsWith('/').default('/mqtt'),
});

const Influx = z.discriminatedUnion('version', [
  z.strictObject({
    version: z.literal(1),
    url: z.url(),
    database: z.string().min(1),
    username: z.string().optional(),
    password: z.string().optional(),
    retention_policy: z.string().optional(),
  }),
  z.strictObject({
    version: z.literal(2),
    url: z.url(),
    org: z.string().min(1),
    bucket: z.string().min(1),
    token: z.string().min(1),
  }),
]);

const DNS_NAME = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$/i;

/** One ONVIF camera: where to find it and how to log in (its device id must be in the registry as onvif_camera). */
export const OnvifCamera = z
  .strictObject({
    /** The camera's device id (registry, topics): `gridlink/<id>/event/motion`. */
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'a device id: 1-63 of a-z, 0-9 and "-"'),
    /** Device service address, e.g. http://192.168.1.64/onvif/device_service. */
    xaddr: z.url({ protocol: /^https?$/ }).optional(),
    /** Or: a unicast WS-Discovery target (host or host:port, port 3702 by default) that answers with the address. */
    probe: z.string().min(1).optional(),
    /** Or: the camera's WS-Discovery endpoint reference (urn:uuid:…), matched in multicast discovery. */
    endpoint_reference: z.string().min(1).optional(),
    /**
     * The host (IP address or DNS name) the camera is at: the only one the gateway sends its
     * credentials to and takes service, snapshot, subscription and Notify addresses from. The host
     * of xaddr or probe when not set; required with endpoint_reference alone.
     */
    host: z
      .string()
      .refine(
        (value) => isIP(normalizeHost(value)) !== 0 || DNS_NAME.test(value),
        'an IP address or DNS name, without scheme or port (e.g. 192.168.1.64)',
      )
      .optional(),
    username: z.string().min(1),
    /** Secret: prefer password_file or password_env. */
    password: z.string().min(1).optional(),
    /** A file holding the password (one trailing newline removed). */
    password_file: z.string().min(1).optional(),
    /** The name of an environment variable holding the password. */
    password_env: z
      .string()
      .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'an environment variable name')
      .optional(),
    /** auto: PullPoint, else push (Subscribe → Notify) when notify.public_url or a reachable host is set. */
    events: z.enum(['auto', 'pullpoint', 'push']).default('auto'),
    /** Media profile for stream and snapshot URIs; the first profile when not set. */
    profile: z.string().min(1).optional(),
    /**
     * An https camera's certificate is verified. This PEM file holds the CA that signed it, or the
     * camera's own self-signed certificate (pinning it); the system's CAs when not set.
     */
    tls_ca_file: z.string().min(1).optional(),
    /** Do not verify an https camera's certificate at all (its credentials are then exposed on the path). */
    insecure_tls: z.boolean().default(false),
    /**
     * End the gateway's own event subscription on a clean stop, so a restart frees the camera's slot.
     * false for firmware whose Unsubscribe cancels every client's subscriptions (an NVR's too): the
     * subscription is then kept and resumed at the next start.
     */
    unsubscribe_on_stop: z.boolean().default(true),
  })
  .superRefine((camera, ctx) => {
    if (!camera.xaddr && !camera.probe && !camera.endpoint_reference)
      ctx.addIssue({
        code: 'custom',
        path: ['xaddr'],
        message: 'set xaddr (http://<camera>/onvif/device_service), probe (<camera>:3702) or endpoint_reference',
      });
    if (camera.endpoint_reference && !camera.xaddr && !camera.probe && !camera.host)
      ctx.addIssue({
        code: 'custom',
        path: ['host'],
        message:
          'a camera found by endpoint_reference needs host: the address it is at (e.g. 192.168.1.64), the only one its credentials are sent to',
      });
    const pinned = camera.host === undefined ? undefined : normalizeHost(camera.host);
    if (pinned !== undefined && camera.xaddr !== undefined && hostOf(camera.xaddr) !== pinned)
      ctx.addIssue({ code: 'custom', path: ['xaddr'], message: `must be on host ${camera.host}` });
    if (pinned !== undefined && camera.probe !== undefined && normalizeHost(probeTarget(camera.probe).host) !== pinned)
      ctx.addIssue({ code: 'custom', path: ['probe'], message: `must be on host ${camera.host}` });
    if (camera.insecure_tls && camera.tls_ca_file !== undefined)
      ctx.addIssue({
        code: 'custom',
        path: ['insecure_tls'],
        message: 'tls_ca_file pins the certificate, insecure_tls turns checking off: set one of them',
      });
    const sources = [camera.password, camera.password_file, camera.password_env].filter((value) => value !== undefined);
    if (sources.length !== 1)
      ctx.addIssue({
        code: 'custom',
        path: ['password_file'],
        message: `set exactly one of password_file, password_env or password (${sources.length} set)`,
      });
  });

export type OnvifCameraConfig = z.output<typeof OnvifCamera>;

const Onvif = z
  .strictObject({
    enabled: z.boolean().default(false),
    cameras: z.array(OnvifCamera).default([]),
    discovery: z
      .strictObject({
        /** Probe the WS-Discovery multicast group (239.255.255.250:3702) for cameras given by endpoint_reference. */
        multicast: z.boolean().default(true),
        /** Listen for Hello on 3702: cameras announce themselves after a reboot. */
        listen_hello: z.boolean().default(true),
        timeout_ms: z.int().min(100).max(30_000).default(3000),
      })
      .prefault({}),
    /** The Notify endpoint cameras push events to (push subscriptions). */
    notify: z
      .strictObject({
        enabled: z.boolean().default(false),
        host: z.string().default('0.0.0.0'),
        port: port.default(9181),
        /** How cameras reach it, e.g. http://192.168.1.10:9181 (required when host is 0.0.0.0). */
        public_url: z.url({ protocol: /^https?$/ }).optional(),
      })
      .prefault({}),
    /**
     * Subscription window asked of cameras, seconds (renewed at 80 %). No longer than needed: a
     * subscription the gateway cannot end (a crash, a power cut) holds a camera slot this long.
     */
    subscription_window_s: z.int().min(60).max(86_400).default(120),
    /** PullMessages long-poll timeout, seconds. */
    pull_timeout_s: z.int().min(1).max(60).default(30),
    request_timeout_ms: z.int().min(500).max(60_000).default(10_000),
    /** Reachability and clock check of each camera, seconds. */
    check_interval_s: z.int().min(5).max(3600).default(60),
    /** Retry after a refused password: doubles up to the max, so a wrong password never locks the account. */
    auth_retry_initial_s: z.int().min(5).default(60),
    auth_retry_max_s: z.int().min(5).default(1800),
    /** Snapshots fetched on events, kept under data_dir/media and referenced from the event. */
    snapshots: z
      .strictObject({
        enabled: z.boolean().default(true),
        max_bytes: z.int().min(10_000).default(2_097_152),
        max_total_bytes: z.int().min(1_048_576).default(268_435_456),
      })
      .prefault({}),
  })
  .prefault({})
  .superRefine((onvif, ctx) => {
    const seen = new Set<string>();
    onvif.cameras.forEach((camera, index) => {
      if (seen.has(camera.id))
        ctx.addIssue({
          code: 'custom',
          path: ['cameras', index, 'id'],
          message: `camera ${camera.id} is listed twice`,
        });
      seen.add(camera.id);
      if (camera.events === 'push' && !onvif.notify.enabled)
        ctx.addIssue({
          code: 'custom',
          path: ['cameras', index, 'events'],
          message: 'push needs the Notify endpoint: set onvif.notify.enabled (and public_url), or use pullpoint',
        });
    });
    if (onvif.notify.enabled && !onvif.notify.public_url && ['0.0.0.0', '::'].includes(onvif.notify.host))
      ctx.addIssue({
        code: 'custom',
        path: ['notify', 'public_url'],
        message: 'notify.host listens on every interface: set public_url, the address cameras use to reach it',
      });
    if (onvif.auth_retry_max_s < onvif.auth_retry_initial_s)
      ctx.addIssue({
        code: 'custom',
        path: ['auth_retry_max_s'],
        message: `must be at least auth_retry_initial_s (${onvif.auth_retry_initial_s})`,
      });
  });

/** Whether a URL's host is this machine: 127.0.0.0/8, ::1 or localhost. */
function isLoopbackUrl(url: string): boolean {
  const host = new URL(url).hostname;
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

export const GatewayConfig = z
  .strictObject({
    gateway: z.strictObject({
      id: GatewayId,
      community: CommunityCode,
      base_topic: z.string().default('gridlink'),
      /** Registry and outbox databases live here. */
      data_dir: z.string().default('./data'),
    }),
    mqtt: z
      .strictObject({
        host: z.string().default('0.0.0.0'),
        port: port.default(1883),
        tls: Tls.prefault({}),
        websocket: WebSocket.prefault({}),
        limits: Limits.prefault({}),
      })
      .prefault({}),
    liveness: z
      .strictObject({
        /** Consecutive missed heartbeat deadlines before a device is declared offline. */
        offline_after_missed: z.int().min(1).default(2),
        /** Messages needed to declare an offline device online again (no flapping). */
        online_after_messages: z.int().min(1).default(1),
        /** A disconnect (or the device's LWT) counts only if the device is not back within this grace. */
        disconnect_grace_ms: z.int().min(0).default(30_000),
        check_interval_ms: z.int().min(100).default(10_000),
      })
      .prefault({}),
    telemetry: z
      .strictObject({
        enabled: z.boolean().default(false),
        influx: Influx.optional(),
        max_batch_points: z.int().min(1).default(5000),
        flush_interval_ms: z.int().min(10).default(1000),
        /** Points held while InfluxDB is slow or down; beyond this the oldest are dropped and counted. */
        max_queued_points: z.int().min(100).default(200_000),
      })
      .prefault({})
      .refine((t) => !t.enabled || t.influx !== undefined, {
        message: 'telemetry.enabled is true but telemetry.influx is missing: add influx.version, url, …',
        path: ['influx'],
      }),
    rules: z
      .strictObject({
        /** Rule files (YAML, see protocol's rule schema), loaded in order and reloaded when they change. */
        files: z.array(z.string().min(1)).default([]),
        /**
         * The rules folder: every `*.yaml` in it is loaded after `files`, in name order, and watched.
         * The installer console creates, edits and deletes files here, and nowhere else. Default:
         * `rules` in the data folder.
         */
        dir: z.string().min(1).optional(),
        /** Schedules (after hours, weekdays) are in this time zone. */
        time_zone: z.string().min(1).default('Asia/Shanghai'),
        /** How often durations, windows and absences are evaluated. */
        tick_ms: z.int().min(100).max(60_000).default(1000),
        /** How often rule state (windows, timers) is saved, so it survives a restart. */
        save_every_ms: z.int().min(100).max(600_000).default(5000),
        /**
         * The URLs webhook actions may post to (a URL and everything below its path), whoever wrote
         * the rule: a rule file, or the cloud (`rules.update`). None by default: no webhooks.
         */
        webhook_targets: z
          .array(
            z
              .url({
                protocol: /^https?$/,
                error: 'a webhook target is an http(s) URL, like http://192.168.1.20:8080/siren',
              })
              .refine((url) => !/^https?:\/\/[^/]*@/.test(url), 'a webhook target carries no user name or password'),
          )
          .max(100)
          .default([]),
        /** Environment variables a webhook header may send as `${NAME}` (its token); no other is expanded. */
        webhook_secrets: z
          .array(z.string().regex(/^[A-Z0-9_]+$/, 'an environment variable name in A-Z, 0-9 and _, like SIREN_TOKEN'))
          .max(100)
          .default([]),
      })
      .prefault({}),
    uplink: z
      .strictObject({
        /** Send events to the cloud. Off: the gateway works standalone and keeps no outbox. */
        enabled: z.boolean().default(false),
        /** The cloud's base URL; events go to `<url>/api/v1/gateways/<gateway.id>/events`. */
        url: z.url({ protocol: /^https?$/ }).optional(),
        /** This gateway's token, issued by the cloud at registration. */
        token: z.string().min(16).optional(),
        /** Certificate authority of the cloud's TLS certificate, when it is not a public one. */
        ca_file: z.string().min(1).optional(),
        /** Verify the cloud's TLS certificate. Turn off only on a test bench. */
        tls_verify: z.boolean().default(true),
        /**
         * Development only: allow an http:// uplink to a host other than loopback (the token and
         * every event then cross the network in clear). http://127.0.0.1 needs no flag.
         */
        allow_insecure_http: z.boolean().default(false),
        /** This gateway's client certificate and key, for a cloud that asks for them (mTLS; CN = gateway id). */
        cert_file: z.string().min(1).optional(),
        key_file: z.string().min(1).optional(),
        /** The outbox's share of the disk. Over it, telemetry summaries are dropped oldest-first;
         * alarms and state changes are never dropped (devices are refused instead). */
        quota_bytes: z.int().min(1_048_576).default(1_073_741_824),
        /** Most events in one request to the cloud. */
        batch_max_events: z.int().min(1).max(5000).default(1000),
        /** Delivery rate cap, so a backlog does not flood the cloud after an outage. */
        max_events_per_second: z.int().min(1).default(5000),
        request_timeout_ms: z.int().min(100).default(15_000),
        /** Retry delay after a failure: doubles from initial to max, with random jitter. */
        backoff_initial_ms: z.int().min(10).default(500),
        backoff_max_ms: z.int().min(100).default(60_000),
        /** Numeric state is summarised per device over this window (min/max/mean/last). */
        telemetry_window_s: z.int().min(1).max(86_400).default(300),
        /** Long-poll the cloud for commands (the gateway opens every connection: works behind NAT). */
        downlink: z.boolean().default(true),
        downlink_wait_s: z.int().min(0).max(30).default(25),
        /** Camera snapshots sent up with their alerts, and fresh ones the cloud asks for. */
        attachments: z
          .strictObject({
            enabled: z.boolean().default(true),
            /** Largest snapshot sent; a larger one is refused on the gateway (logged, counted) and its alert goes without it. */
            max_bytes: z.int().min(1024).max(10_485_760).default(1_048_576),
            /** Disk the waiting snapshots may use in the outbox; over it the oldest event snapshots go first. */
            quota_bytes: z.int().min(1_048_576).default(67_108_864),
          })
          .prefault({}),
      })
      .prefault({})
      .superRefine((uplink, ctx) => {
        if (!uplink.enabled) return;
        if (!uplink.url)
          ctx.addIssue({
            code: 'custom',
            path: ['url'],
            message: 'uplink.enabled is true: set uplink.url (the cloud, e.g. https://cloud.example.cn)',
          });
        if (uplink.url?.startsWith('http://') && !uplink.allow_insecure_http && !isLoopbackUrl(uplink.url))
          ctx.addIssue({
            code: 'custom',
            path: ['url'],
            message:
              'the uplink is http://: the gateway token and every event would cross the network in clear; ' +
              'use https:// (a cloud behind TLS), or on a development bench set uplink.allow_insecure_http: true',
          });
        if (!uplink.token)
          ctx.addIssue({
            code: 'custom',
            path: ['token'],
            message: 'uplink.enabled is true: set the token issued by the cloud with GRIDLINK_UPLINK__TOKEN_FILE',
          });
        if ((uplink.cert_file === undefined) !== (uplink.key_file === undefined))
          ctx.addIssue({
            code: 'custom',
            path: [uplink.cert_file ? 'key_file' : 'cert_file'],
            message: 'a client certificate needs both cert_file and key_file',
          });
        if (uplink.backoff_max_ms < uplink.backoff_initial_ms)
          ctx.addIssue({
            code: 'custom',
            path: ['backoff_max_ms'],
            message: `must be at least backoff_initial_ms (${uplink.backoff_initial_ms})`,
          });
      }),
    /**
     * What the gateway tells the cloud about its devices and itself (needs uplink.enabled): the
     * inventory, its changes, and health summaries, all in the outbox's lowest class.
     */
    inventory: z
      .strictObject({
        enabled: z.boolean().default(true),
        /** A full sync of the registry at start and then every this many seconds; the cloud reconciles each. */
        full_sync_interval_s: z.int().min(1).max(604_800).default(21_600),
        /** How often the registry is compared with what was last reported, for change records (ms). */
        change_check_interval_ms: z.int().min(100).max(3_600_000).default(10_000),
        /** A health summary of every device (last seen, battery, signal, faults, tamper) every this many seconds. */
        device_health_interval_s: z.int().min(1).max(86_400).default(900),
        /** The gateway's own health (version, uptime, clients, outbox, cameras, disk) every this many seconds. */
        gateway_health_interval_s: z.int().min(1).max(86_400).default(300),
        /** The devices' readings (their profiles' numeric state fields) are summarised over windows of this many seconds. */
        readings_window_s: z.int().min(10).max(86_400).default(300),
      })
      .prefault({}),
    /** ONVIF cameras (see onvif/): discovery, events, snapshots. */
    onvif: Onvif,
    http: z
      .strictObject({
        host: z.string().default('127.0.0.1'),
        /** /metrics, /healthz and /readyz. */
        port: port.default(9180),
        /** Bearer token for /metrics; required when `host` is not a loopback address. */
        metrics_token: z.string().min(16).optional(),
        /** Serve HTTPS with this certificate and key (PEM files); both or neither. */
        cert_file: z.string().optional(),
        key_file: z.string().optional(),
        /** The installer console (web pages and `/api/console/`) on this port; needs the registry. */
        console: z
          .strictObject({
            enabled: z.boolean().default(true),
            /** A console sign-in lasts this long. */
            session_hours: z.number().positive().max(168).default(12),
          })
          .prefault({}),
      })
      .prefault({}),
    log: z
      .strictObject({ level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info') })
      .prefault({}),
  })
  .superRefine((config, ctx) => {
    const tls = config.mqtt.tls;
    if (tls.enabled && (!tls.cert_file || !tls.key_file)) {
      ctx.addIssue({
        code: 'custom',
        path: ['mqtt', 'tls', 'cert_file'],
        message: 'TLS is enabled: set cert_file and key_file',
      });
    }
    if (Boolean(config.http.cert_file) !== Boolean(config.http.key_file)) {
      ctx.addIssue({
        code: 'custom',
        path: ['http', config.http.cert_file ? 'key_file' : 'cert_file'],
        message: 'HTTPS needs both http.cert_file and http.key_file',
      });
    }
    const loopback = ['127.0.0.1', '::1', 'localhost'].includes(config.http.host);
    if (!loopback && !config.http.metrics_token) {
      ctx.addIssue({
        code: 'custom',
        path: ['http', 'metrics_token'],
        message: `http.host ${config.http.host} is reachable from the network: set http.metrics_token (16+ characters)`,
      });
    }
    if (tls.client_certificates !== 'off' && !tls.ca_file) {
      ctx.addIssue({
        code: 'custom',
        path: ['mqtt', 'tls', 'ca_file'],
        message: 'client certificates need ca_file (the CA that signs them)',
      });
    }
    if (tls.client_certificates !== 'off' && !tls.enabled) {
      ctx.addIssue({
        code: 'custom',
        path: ['mqtt', 'tls', 'enabled'],
        message: `client_certificates is ${tls.client_certificates} but TLS is off, so no certificate is ever checked: set mqtt.tls.enabled: true (with cert_file, key_file, ca_file) or client_certificates: off`,
      });
    }
    if (tls.allow_plain_passwords && tls.client_certificates !== 'required') {
      ctx.addIssue({
        code: 'custom',
        path: ['mqtt', 'tls', 'allow_plain_passwords'],
        message: `only applies with client_certificates: required (it is ${tls.client_certificates}): remove it`,
      });
    }
    if (tls.client_certificates === 'required' && !tls.allow_plain_passwords && config.mqtt.websocket.enabled) {
      ctx.addIssue({
        code: 'custom',
        path: ['mqtt', 'websocket', 'enabled'],
        message:
          'client_certificates is required, and plain WebSocket logins use passwords: set websocket.enabled: false, or mqtt.tls.allow_plain_passwords: true for devices that cannot do TLS',
      });
    }
  });

export type GatewayConfig = Readonly<z.output<typeof GatewayConfig>>;
export type GatewayConfigInput = z.input<typeof GatewayConfig>;
