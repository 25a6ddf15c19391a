import { isIP } from 'node:net';
import { z } from 'zod';

const port = z.int().min(0).max(65535);

/** An IPv4/IPv6 address or a CIDR block (`10.0.0.0/8`, `fd00::/8`). */
const AddressOrCidr = z.string().refine(
  (text) => {
    const [address = '', prefix, ...rest] = text.split('/');
    const family = isIP(address);
    if (family === 0 || rest.length > 0) return false;
    if (prefix === undefined) return true;
    return /^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128);
  },
  { error: 'expected an IP address or a CIDR block, e.g. 10.0.0.5 or 10.0.0.0/8' },
);

/** Limits on logins that protect the process; the per-username throttle is tenant data (session_settings). */
const Login = z.strictObject({
  /** Login attempts one source address may make in a burst (an IPv6 client counts by its /64)… */
  per_address_burst: z.int().min(1).max(10_000).default(20),
  /** …and how many it regains per minute; beyond that 429 with Retry-After, without checking a password. */
  per_address_per_minute: z.int().min(1).max(10_000).default(10),
  /** Password checks (scrypt, ~50 ms and 16 MiB each) running at once in each process… */
  concurrent_checks: z.int().min(1).max(64).default(4),
  /** …and waiting for their turn; beyond that 503 with Retry-After. */
  queued_checks: z.int().min(0).max(10_000).default(32),
});

/** How long integrations' API tokens live: a default when none is asked for, and a ceiling. */
const ApiTokens = z
  .strictObject({
    /** Days a new API token lives when its creator names no expiry. */
    default_days: z.int().min(1).max(3660).default(365),
    /** The most days an API token may live; a later expires_at is refused. */
    max_days: z.int().min(1).max(3660).default(730),
  })
  .refine((t) => t.default_days <= t.max_days, {
    message: 'default_days must not exceed max_days',
    path: ['default_days'],
  });

const Auth = z.strictObject({
  /** Bearer token of the administrators' API (registering gateways, queueing downlink). No default. */
  admin_token: z.string().min(32),
  /** After a rotation the previous gateway token keeps working this long, so no event is lost. */
  token_grace_s: z
    .int()
    .min(0)
    .max(30 * 86_400)
    .default(86_400),
  login: Login.prefault({}),
  api_tokens: ApiTokens.prefault({}),
});

const Database = z
  .strictObject({
    /** PostgreSQL: postgres://user@host:5432/gridlink. Unset: the embedded database (PGlite). */
    url: z
      .url({ protocol: /^postgres(ql)?$/, error: 'expected a URL like postgres://user@host:5432/gridlink' })
      .optional(),
    /** Password for `url`, so it stays out of the URL (which is logged): GRIDLINK_DATABASE__PASSWORD_FILE. */
    password: z.string().min(1).optional(),
    /** Connections each cloud process opens to PostgreSQL. */
    pool_max: z.int().min(1).max(200).default(10),
    /** Embedded database directory; default `<cloud.data_dir>/pglite`; `memory://` keeps it in memory. */
    data_dir: z.string().min(1).optional(),
  })
  .refine((db) => db.url === undefined || db.data_dir === undefined, {
    message: 'set url (PostgreSQL) or data_dir (embedded), not both',
    path: ['data_dir'],
  });

/** A host robot webhooks may post to: a DNS name or an IP address (IPv6 in brackets), optionally `:port`. */
const AllowedHost = z
  .string()
  .transform((host) => host.toLowerCase())
  .pipe(
    z
      .string()
      .regex(
        /^(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)*|\[[0-9a-f:.]+\])(?::\d{1,5})?$/,
        'a host name or address, optionally with :port, like relay.example.internal, 10.0.0.5:8443 or [fd00::5]',
      ),
  );

/** HTTPS for the API; optionally gateways prove who they are with a client certificate as well. */
const Tls = z
  .strictObject({
    enabled: z.boolean().default(false),
    cert_file: z.string().min(1).optional(),
    key_file: z.string().min(1).optional(),
    /** The CA that signs gateway certificates; needed unless client_certificates is off. */
    ca_file: z.string().min(1).optional(),
    /**
     * Gateway client certificates (mTLS), on top of the token: `optional` checks a certificate when
     * one is presented (its CN must be the gateway id); `required` refuses gateways without one.
     */
    client_certificates: z.enum(['off', 'optional', 'required']).default('off'),
  })
  .superRefine((tls, ctx) => {
    if (tls.enabled && (!tls.cert_file || !tls.key_file)) {
      ctx.addIssue({ code: 'custom', path: ['cert_file'], message: 'TLS is enabled: set cert_file and key_file' });
    }
    if (tls.client_certificates !== 'off' && !tls.enabled) {
      ctx.addIssue({
        code: 'custom',
        path: ['client_certificates'],
        message: 'client certificates need tls.enabled: true',
      });
    }
    if (tls.client_certificates !== 'off' && !tls.ca_file) {
      ctx.addIssue({
        code: 'custom',
        path: ['ca_file'],
        message: 'client certificates need ca_file (the CA that signs them)',
      });
    }
  });

/** The cloud's configuration: `cloud.example.yaml` documents every field. */
export const CloudConfig = z.strictObject({
  cloud: z
    .strictObject({
      /** Local state (the embedded database) lives under here. */
      data_dir: z.string().min(1).default('./data'),
    })
    .prefault({}),
  http: z
    .strictObject({
      host: z.string().min(1).default('127.0.0.1'),
      port: port.default(8080),
      /**
       * Reverse proxies whose `X-Forwarded-For` names the client (addresses or CIDR blocks). Default
       * none: the header is ignored and the connection's address is the client's.
       */
      trusted_proxies: z.array(AddressOrCidr).max(100).default([]),
      /**
       * Bearer token Prometheus sends to `/metrics` (GRIDLINK_HTTP__METRICS_TOKEN(_FILE)). Unset:
       * `/metrics` answers 401 to everyone. Its own secret, so a scraper never holds the admin token.
       */
      metrics_token: z.string().min(32).optional(),
      tls: Tls.prefault({}),
    })
    .prefault({}),
  database: Database.prefault({}),
  // Defaults to {} so that a missing admin token is reported as auth.admin_token, with how to set it.
  auth: Auth.prefault({} as z.input<typeof Auth>),
  privacy: z
    .strictObject({
      /**
       * The secret the keys of personal data at rest are derived from (work-log residents, patrol
       * trajectories): GRIDLINK_PRIVACY__DATA_SECRET(_FILE), the same on every replica. Unset: the
       * admin token — then rotating the admin token leaves what was sealed unreadable, so set this
       * before storing anything you mean to keep.
       */
      data_secret: z.string().min(32).optional(),
    })
    .prefault({}),
  attachments: z
    .strictObject({
      /** Largest photo or document a step may carry, in bytes (10 MiB). */
      max_bytes: z
        .int()
        .min(1024)
        .max(100 * 1024 * 1024)
        .default(10 * 1024 * 1024),
      /** How long a fresh camera snapshot asked for from an incident's page may take before it counts as failed. */
      snapshot_request_timeout_s: z.int().min(5).max(600).default(30),
    })
    .prefault({}),
  robots: z
    .strictObject({
      /**
       * Hosts robot webhooks may post to besides the platforms' own (https://qyapi.weixin.qq.com,
       * https://oapi.dingtalk.com): `host` (any port) or `host:port`. A listed host is trusted with
       * http and with any address it resolves to; every other host is refused.
       */
      allowed_hosts: z.array(AllowedHost).max(100).default([]),
    })
    .prefault({}),
  devices: z
    .strictObject({
      /** Days the health summaries gateways send (devices' and their own) are kept; the devices' current state stays. */
      health_retention_days: z.int().min(1).max(3660).default(90),
      /** Days the window summaries of the devices' readings (for the device page charts) are kept. */
      readings_retention_days: z.int().min(1).max(3660).default(30),
    })
    .prefault({}),
  /**
   * The large history tables, partitioned by China month (docs/partitions.md): how far ahead
   * months are made, and how many months of the tables without a retention of their own are kept
   * (0: every month). Health and readings follow `devices`, patrol positions the tenant's patrol
   * retention.
   */
  partitions: z
    .strictObject({
      /** Months made ahead of the current one (an insert beyond them still lands, in DEFAULT). */
      months_ahead: z.int().min(1).max(24).default(3),
      retention_months: z
        .strictObject({
          /** The gateways' raw events: a year back plus the month running, for a year-on-year look. */
          gateway_events: z.int().min(0).max(1200).default(13),
          /** The incidents' step records are the case files: kept. */
          incident_steps: z.int().min(0).max(1200).default(0),
          /** The devices' online/offline history, for a year of availability figures. */
          device_availability: z.int().min(0).max(1200).default(13),
        })
        .prefault({}),
    })
    .prefault({}),
  web: z
    .strictObject({
      /**
       * Map tiles under the web pages' territory maps, as a URL template with {z}, {x} and {y}
       * (e.g. a tile server on the district's network). Unset: maps draw the territory's areas
       * alone, on a plain background, with no request anywhere but the cloud.
       */
      map_tile_url: z
        .string()
        .regex(/^https?:\/\/[^/?#\s]+\/\S*\{z\}\S*\{x\}\S*\{y\}/, 'an http(s) URL template with {z}, {x} and {y}')
        .optional(),
      /** Credit the tiles' licence asks for, shown in the map's corner. */
      map_attribution: z.string().max(500).default(''),
    })
    .prefault({}),
  log: z
    .strictObject({
      level: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
    })
    .prefault({}),
});
export type CloudConfig = z.infer<typeof CloudConfig>;
export type CloudConfigInput = z.input<typeof CloudConfig>;
