import { z } from 'zod';
import type { Clock } from '../clock.js';
import type { Db, Queryable } from '../db/db.js';
import { DomainError } from '../http/domain-error.js';
import { type Message, message } from '../i18n/message.js';
import { render } from '../i18n/render.js';
import { WebhookPolicy } from '../notify/webhook-policy.js';
import { type Actor, writeAudit } from '../people/audit.js';
import { dispatchSettingsBody } from './settings.js';

/** A robot's platform: WeCom (企业微信) or DingTalk (钉钉) group robots. */
export const RobotKind = z.enum(['wecom', 'dingtalk']);
export type RobotKind = z.infer<typeof RobotKind>;

/** Whose group a robot posts into: a community's (property / grid group) or a disposal unit's. */
export interface RobotOwner {
  kind: 'community' | 'disposal_unit';
  id: string;
}

/** A robot with its secrets, for sending only: never returned by the API, never logged. */
export interface RobotConfig {
  name: string;
  kind: RobotKind;
  webhook: string;
  secret: string | null;
}

/** A robot as the API shows it: whether its secrets are set, not what they are. */
export interface RobotView {
  name: string;
  kind: RobotKind;
  webhook_set: true;
  secret_set: boolean;
  updated_at: string;
}

const RobotName = z
  .string()
  .regex(/^[a-z0-9][a-z0-9_-]{0,31}$/, { error: 'a robot name is 1–32 lowercase letters, digits, _ or -' });
const Webhook = z.url({ protocol: /^https?$/, error: 'the webhook is an http(s) URL' }).max(2048);

/**
 * One robot in a replacement list. The webhook may be left out for a robot that exists (it is
 * kept); `secret` left out is kept, `null` clears it (DingTalk signing off).
 */
export const RobotUpdate = z.strictObject({
  name: RobotName,
  kind: RobotKind,
  webhook: Webhook.optional(),
  secret: z.string().min(1).max(256).nullable().optional(),
});
export type RobotUpdate = z.infer<typeof RobotUpdate>;

export const RobotList = z.strictObject({
  robots: z
    .array(RobotUpdate)
    .max(20)
    .refine((robots) => new Set(robots.map((robot) => robot.name)).size === robots.length, {
      error: 'robot names must be distinct',
    }),
});

/** The audit target of an owner's robot list: `robots:community:<code>`, `robots:disposal_unit:<id>`. */
export const robotsAuditTarget = (owner: RobotOwner): string => `robots:${owner.kind}:${owner.id}`;

/** The tenant's dispatch policy (table `dispatch_settings`). */
export interface DispatchSettings {
  /** A FILED incident goes to the responsible party without an operator. */
  autoDispatch: boolean;
  /** Urgent incidents from IoT alerts are accepted and filed by the cloud as well. */
  fastTrackUrgentIot: boolean;
  /** Category codes (with their children) whose dispatch also alerts the community's robots. */
  lifeSafetyCategories: string[];
}

/** A robot update the store refuses (e.g. a new robot without its webhook). */
export class DispatchError extends DomainError {
  constructor(
    readonly code: 'GL_ROBOT_INVALID',
    /** What is refused, as a message of the catalogue (the error's own message is its English). */
    said: Message,
    readonly pointer?: string,
  ) {
    // An invalid robot fails validation, naming its field when it knows which.
    super(render(said, 'en'), 'GL_VALIDATION_FAILED', said, [{ detail: said, ...(pointer ? { pointer } : {}) }]);
  }
}

interface RobotRow {
  name: string;
  kind: RobotKind;
  webhook: string;
  secret: string | null;
  updated_at: Date;
}

const view = (row: RobotRow): RobotView => ({
  name: row.name,
  kind: row.kind,
  webhook_set: true,
  secret_set: row.secret !== null,
  updated_at: row.updated_at.toISOString(),
});

/** Dispatch data: the tenant's policy, robot channels, phone numbers for SMS. */
export class DispatchStore {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    /** Where robot webhooks may post: the platforms' hosts unless the configuration lists more. */
    readonly webhookPolicy: WebhookPolicy = new WebhookPolicy(),
  ) {}

  async settings(q: Queryable = this.db): Promise<DispatchSettings> {
    const { rows } = await q.query<{
      auto_dispatch: boolean;
      fast_track_urgent_iot: boolean;
      life_safety_categories: string[];
    }>('SELECT auto_dispatch, fast_track_urgent_iot, life_safety_categories FROM dispatch_settings');
    const row = rows[0];
    return {
      autoDispatch: row?.auto_dispatch ?? true,
      fastTrackUrgentIot: row?.fast_track_urgent_iot ?? true,
      lifeSafetyCategories: row?.life_safety_categories ?? ['emergency'],
    };
  }

  async updateSettings(actor: Actor, change: Partial<DispatchSettings>): Promise<DispatchSettings> {
    const now = this.clock();
    await this.db.transaction(async (tx) => {
      const before = await this.settings(tx);
      await tx.query(
        `UPDATE dispatch_settings SET auto_dispatch = COALESCE($1, auto_dispatch),
                fast_track_urgent_iot = COALESCE($2, fast_track_urgent_iot),
                life_safety_categories = COALESCE($3::jsonb, life_safety_categories), updated_at = $4`,
        [
          change.autoDispatch ?? null,
          change.fastTrackUrgentIot ?? null,
          change.lifeSafetyCategories === undefined ? null : JSON.stringify(change.lifeSafetyCategories),
          now,
        ],
      );
      // Audited in the API's shape, like every settings group, so the history reads as the form does.
      const after = await this.settings(tx);
      await writeAudit(tx, {
        actor,
        action: 'dispatch.settings.update',
        target: 'dispatch:settings',
        at: now,
        details: { before: dispatchSettingsBody(before), after: dispatchSettingsBody(after) },
      });
    });
    return this.settings();
  }

  /** The owner's robots with their secrets, for sending. */
  async robots(owner: RobotOwner): Promise<RobotConfig[]> {
    const { rows } = await this.db.query<RobotRow>(
      'SELECT name, kind, webhook, secret, updated_at FROM robot_channels WHERE owner_kind = $1 AND owner_id = $2 ORDER BY name',
      [owner.kind, owner.id],
    );
    return rows.map(({ name, kind, webhook, secret }) => ({ name, kind, webhook, secret }));
  }

  /** The owner's robots as the API shows them (no secrets). */
  async robotViews(owner: RobotOwner, q: Queryable = this.db): Promise<RobotView[]> {
    const { rows } = await q.query<RobotRow>(
      'SELECT name, kind, webhook, secret, updated_at FROM robot_channels WHERE owner_kind = $1 AND owner_id = $2 ORDER BY name',
      [owner.kind, owner.id],
    );
    return rows.map(view);
  }

  /**
   * Replaces the owner's robots with `robots` (robots left out are removed), keeping stored
   * webhooks and secrets that an update leaves out. Audited without the secrets.
   */
  async replaceRobots(actor: Actor, owner: RobotOwner, robots: readonly RobotUpdate[]): Promise<RobotView[]> {
    const now = this.clock();
    await this.db.transaction(async (tx) => {
      const { rows } = await tx.query<RobotRow>(
        'SELECT name, kind, webhook, secret, updated_at FROM robot_channels WHERE owner_kind = $1 AND owner_id = $2 FOR UPDATE',
        [owner.kind, owner.id],
      );
      const existing = new Map(rows.map((row) => [row.name, row]));
      const before = rows.map(view).sort((a, b) => a.name.localeCompare(b.name));
      const audit: Record<string, unknown>[] = [];
      for (const [index, robot] of robots.entries()) {
        const before = existing.get(robot.name);
        const webhook = robot.webhook ?? before?.webhook;
        if (webhook === undefined)
          throw new DispatchError(
            'GL_ROBOT_INVALID',
            message('robot.webhook_missing', { name: robot.name }),
            `/robots/${index}/webhook`,
          );
        // A kept webhook is checked too: the robot's kind may change, or the policy may have.
        const allowed = this.webhookPolicy.check(robot.kind, webhook);
        if (!allowed.ok)
          throw new DispatchError(
            'GL_ROBOT_INVALID',
            message(robot.webhook === undefined ? 'robot.stored_webhook_refused' : 'robot.webhook_refused', {
              name: robot.name,
              reason: message('text.as_written', { text: allowed.reason }),
            }),
            `/robots/${index}/webhook`,
          );
        const secret = robot.secret === undefined ? (before?.secret ?? null) : robot.secret;
        await tx.query(
          `INSERT INTO robot_channels (owner_kind, owner_id, name, kind, webhook, secret, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (owner_kind, owner_id, name) DO UPDATE SET kind = excluded.kind, webhook = excluded.webhook,
             secret = excluded.secret, updated_at = excluded.updated_at`,
          [owner.kind, owner.id, robot.name, robot.kind, webhook, secret, now],
        );
        audit.push({
          name: robot.name,
          kind: robot.kind,
          webhook: robot.webhook === undefined ? 'kept' : 'set',
          secret: robot.secret === undefined ? 'kept' : robot.secret === null ? 'cleared' : 'set',
        });
      }
      const removed = [...existing.keys()].filter((name) => !robots.some((robot) => robot.name === name));
      if (removed.length > 0)
        await tx.query(
          'DELETE FROM robot_channels WHERE owner_kind = $1 AND owner_id = $2 AND name = ANY($3::text[])',
          [owner.kind, owner.id, removed],
        );
      // The robots before and after as the API shows them: whether secrets are set, never what they are.
      await writeAudit(tx, {
        actor,
        action: 'robots.replace',
        target: robotsAuditTarget(owner),
        at: now,
        details: { robots: audit, removed, before, after: await this.robotViews(owner, tx) },
      });
    });
    return this.robotViews(owner);
  }

  /** Sets (or with null removes) the phone number SMS go to. */
  async setPhone(userId: string, phone: string | null): Promise<void> {
    if (phone === null) {
      await this.db.query('DELETE FROM user_contacts WHERE user_id = $1', [userId]);
      return;
    }
    await this.db.query(
      `INSERT INTO user_contacts (user_id, phone, updated_at) VALUES ($1, $2, $3)
       ON CONFLICT (user_id) DO UPDATE SET phone = excluded.phone, updated_at = excluded.updated_at`,
      [userId, phone, this.clock()],
    );
  }

  async phoneOf(userId: string): Promise<string | undefined> {
    const { rows } = await this.db.query<{ phone: string }>('SELECT phone FROM user_contacts WHERE user_id = $1', [
      userId,
    ]);
    return rows[0]?.phone;
  }
}
