import { type Action, createTopics, type Rule, validateDeviceMessage } from '@gridlink/protocol';
import type { Logger } from 'pino';
import type { DeviceRecord, Directory } from '../devices/directory.js';
import type { Publisher } from '../publisher.js';
import type { AlertTransition } from './engine.js';
import { placeKey, selects } from './matching.js';
import { RateLimiter } from './rate-limit.js';
import type { RuleWebhookPolicy } from './webhook-policy.js';

export interface ActionStats {
  commands: number;
  webhooks: number;
  rateLimited: number;
  failed: number;
}

/**
 * Runs a rule's actions when it raises an alert: commands to devices' `/set` topics (each checked
 * against the target's profile first) and webhooks. Every action is rate-limited per rule, action
 * and place, which also stops a loop in which an action's effect re-raises its own rule.
 */
export class ActionRunner {
  readonly stats: ActionStats = { commands: 0, webhooks: 0, rateLimited: 0, failed: 0 };
  private readonly limiter: RateLimiter;
  private readonly topics;

  constructor(
    private readonly publisher: Publisher,
    private readonly directory: Directory,
    baseTopic: string,
    private readonly logger: Logger,
    now: () => number,
    private readonly webhooks: RuleWebhookPolicy,
    private readonly env: Readonly<Record<string, string | undefined>> = process.env,
  ) {
    this.limiter = new RateLimiter(now);
    this.topics = createTopics(baseTopic);
  }

  run(rule: Rule, transition: AlertTransition, subject: DeviceRecord): void {
    if (transition.type !== 'raised') return;
    rule.actions.forEach((action, index) => {
      const place = action.type === 'command' && action.target.same ? placeKey(subject, action.target.same) : undefined;
      const scope = `${rule.id}#${index}@${place ?? subject.id}`;
      if (!this.limiter.allow(scope, action.rate_limit.max, action.rate_limit.per_s * 1000)) {
        this.stats.rateLimited++;
        this.logger.warn({ rule: rule.id, action: action.type, scope }, 'action rate-limited');
        return;
      }
      if (action.type === 'command') this.command(rule, action, subject);
      else void this.webhook(rule, action, transition);
    });
  }

  private targets(action: Extract<Action, { type: 'command' }>, subject: DeviceRecord): DeviceRecord[] {
    const { selector, same } = action.target;
    if (!selector && !same) return [subject];
    const place = same ? placeKey(subject, same) : undefined;
    if (same && place === undefined) return [];
    return [...this.directory.activeDevices()].filter(
      (device) => (!selector || selects(selector, device)) && (!same || placeKey(device, same) === place),
    );
  }

  private command(rule: Rule, action: Extract<Action, { type: 'command' }>, subject: DeviceRecord): void {
    for (const target of this.targets(action, subject)) {
      const topic = this.topics.deviceSet(target.id);
      const payload = JSON.stringify(action.command);
      const valid = validateDeviceMessage({ topic, payload, kind: target.kind, base: this.topics.base });
      if (!valid.ok) {
        this.stats.failed++;
        this.logger.error(
          { rule: rule.id, device: target.id, error: valid.error.message },
          'action command refused by the device profile',
        );
        continue;
      }
      this.stats.commands++;
      this.publisher.publish(topic, action.command, { qos: 1 }).catch((err: unknown) => {
        this.stats.failed++;
        this.logger.error({ err, rule: rule.id, device: target.id }, 'action command could not be published');
      });
    }
  }

  private async webhook(
    rule: Rule,
    action: Extract<Action, { type: 'webhook' }>,
    transition: AlertTransition,
  ): Promise<void> {
    // Rule files were checked against the policy when they loaded; checked again here so that no
    // path around the loader can post elsewhere or send another variable of the gateway's process.
    const origin = URL.canParse(action.url) ? new URL(action.url).origin : 'an unparsable URL';
    const refuse = (why: string) => {
      this.stats.failed++;
      this.logger.error({ rule: rule.id, url: origin }, `webhook action refused: ${why}`);
    };
    if (!this.webhooks.allowsTarget(action.url)) return refuse('not a target listed in rules.webhook_targets');
    // `${NAME}` in a header value names a listed webhook secret: tokens never sit in rule files.
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    for (const [name, value] of Object.entries(action.headers ?? {})) {
      const expanded = this.webhooks.expand(value, this.env);
      if (expanded === undefined) return refuse(`header ${name} names a variable not listed in rules.webhook_secrets`);
      headers[name] = expanded;
    }
    try {
      const response = await fetch(action.url, {
        method: 'POST',
        headers,
        body: JSON.stringify({ type: transition.type, alert: transition.alert }),
        signal: AbortSignal.timeout(action.timeout_ms),
        // A redirect would carry the headers (secrets included) to a URL nobody listed.
        redirect: 'manual',
      });
      if (!response.ok) throw new Error(`HTTP ${response.status}`);
      this.stats.webhooks++;
    } catch (err) {
      this.stats.failed++;
      this.logger.error({ rule: rule.id, url: origin, err: (err as Error).message }, 'webhook action failed');
    }
  }
}
