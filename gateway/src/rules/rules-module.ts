import { existsSync, renameSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  type BridgeEvent,
  createTopics,
  parseRuleFile,
  type Rule,
  type RuleFile,
  toTimestamp,
} from '@gridlink/protocol';
import type { Aedes } from 'aedes';
import type { Logger } from 'pino';
import { answerBridgeRequests, type BridgeRequestHandlers } from '../bridge-requests.js';
import type { GatewayBus, NormalisedMessage } from '../bus.js';
import type { GatewayConfig } from '../config/schema.js';
import type { DeviceRecord, Directory } from '../devices/directory.js';
import type { GatewayModule } from '../modules/gateway-module.js';
import type { Publisher } from '../publisher.js';
import { ActionRunner } from './action-runner.js';
import { toObservation } from './conditions.js';
import { type AlertTransition, RuleEngine } from './engine.js';
import { loadRuleFiles, watchRuleFiles } from './rule-files.js';
import { RuleFolder } from './rule-folder.js';
import { RuleStateSaver } from './state-saver.js';
import { RuleStateStore } from './state-store.js';
import { RuleWebhookPolicy } from './webhook-policy.js';

/**
 * How often (gateway time) the devices the rules track are read again from the directory: a device
 * retired or untagged by the CLI, another process, stops being tracked within this long even if it
 * stays connected. A device that reconnects, or sends with a record that no longer matches, is
 * dropped at once.
 */
export const RECONCILE_EVERY_MS = 60_000;

export interface RulesModuleOptions {
  config: GatewayConfig;
  bus: GatewayBus;
  publisher: Publisher;
  aedes: Aedes;
  directory: Directory;
  logger: Logger;
  now: () => number;
}

/**
 * Local alerting that keeps working offline: evaluates the rules on every valid message and on
 * the passing of time, keeps active alerts retained on `<base>/alert/<rule>/<device>`, runs the
 * rules' actions, saves its state so a restart resumes timers, and reloads rule files when they
 * change (a broken file is refused with its line and field; the rules in force stay active).
 */
/** How the rule files last loaded: in force, or refused with every error (the last good set stays). */
export type RuleLoadState = { ok: true; at: number; rules: number } | { ok: false; at: number; errors: string[] };

export class RulesModule implements GatewayModule {
  readonly name = 'rules';
  /** The rules folder (`rules.dir`), where the installer console edits rule files. */
  readonly folder: RuleFolder;
  private loadState: RuleLoadState;
  private engine: RuleEngine;
  private rules: readonly Rule[] = [];
  private files: RuleFile[] = [];
  private readonly store: RuleStateStore;
  private readonly saver: RuleStateSaver;
  private readonly actions: ActionRunner;
  private readonly webhooks: RuleWebhookPolicy;
  private readonly topics;
  private readonly timers: NodeJS.Timeout[] = [];
  private tickCount = 0;
  private unwatch: () => void = () => {};
  private alertIds = 0;
  /** Clears found at start, sent on the first tick, once every module listening for alerts is up. */
  private startClears: AlertTransition[] = [];
  private reconciledAt = Number.NEGATIVE_INFINITY;
  private readonly current = (id: string) => this.options.directory.device(id);
  /** A device's record as the broker read it at CONNECT: tags or place may have changed since. */
  private readonly onConnected = (device: DeviceRecord) => {
    const at = this.options.now();
    this.apply(this.engine.reconcile((id) => (id === device.id ? device : undefined), at, device.id));
    if (device.status === 'active') this.engine.watch([device], at);
  };
  private readonly onMessage = (message: NormalisedMessage) => {
    if (!this.engine.concerns(message.device.kind)) return;
    const observation = toObservation(message.device, message.message, message.receivedAt);
    if (observation) this.apply(this.engine.observe(observation));
  };

  constructor(private readonly options: RulesModuleOptions) {
    const { config, publisher, directory, logger, now } = options;
    this.topics = createTopics(config.gateway.base_topic);
    this.store = new RuleStateStore(join(config.gateway.data_dir, 'rules.db'));
    this.saver = new RuleStateSaver(this.store);
    this.webhooks = new RuleWebhookPolicy(config.rules);
    this.folder = new RuleFolder(config.rules.dir ?? join(config.gateway.data_dir, 'rules'));
    this.loadState = { ok: true, at: now(), rules: 0 };
    this.actions = new ActionRunner(
      publisher,
      directory,
      config.gateway.base_topic,
      logger.child({ module: 'actions' }),
      now,
      this.webhooks,
    );
    this.engine = this.newEngine([]);
  }

  /** Loads the rule files (or, if they are broken at boot, the last set that loaded) and starts. */
  async start(): Promise<void> {
    const { config, bus, logger, now } = this.options;
    try {
      this.folder.ensure();
    } catch (err) {
      logger.warn({ err, dir: this.folder.dir }, 'the rules folder cannot be created');
    }
    const loaded = loadRuleFiles(this.ruleFilePaths(), this.webhooks);
    const saved = this.store.load();
    if (loaded.ok) this.files = loaded.files;
    else {
      this.loadState = { ok: false, at: now(), errors: loaded.errors };
      for (const error of loaded.errors) logger.error({ error }, 'rule file refused');
      this.files = saved?.files ?? [];
      logger.error(
        { rules: this.files.reduce((n, f) => n + f.rules.length, 0) },
        'rule files are broken: using the last rules that loaded',
      );
    }
    this.engine = this.newEngine(this.files);
    if (loaded.ok) this.loadState = { ok: true, at: now(), rules: this.rules.length };
    if (saved) {
      this.engine.restore(saved.snapshot);
      this.saver.remember(saved.snapshot.instances, saved.files);
    }
    this.startClears = this.engine.reconcile(this.current, now());
    this.reconciledAt = now();
    this.engine.watch(this.options.directory.activeDevices(), now());
    // Alerts restored from the last run are retained again (the broker's retained store is in memory).
    for (const alert of this.engine.active())
      await this.options.publisher.publish(this.topics.alert(alert.rule_id, alert.device_id), alert, { retain: true });

    bus.on('message', this.onMessage);
    bus.on('connected', this.onConnected);
    this.timers.push(setInterval(() => this.tick(), config.rules.tick_ms));
    this.timers.push(setInterval(() => this.saveChanges(), config.rules.save_every_ms));
    for (const timer of this.timers) timer.unref();
    const folders = existsSync(this.folder.dir) ? [this.folder.dir] : [];
    this.unwatch = watchRuleFiles(config.rules.files, () => this.reload(), undefined, folders);
    await this.answerRequests();
    logger.info({ rules: this.rules.length }, 'rules started');
  }

  async stop(): Promise<void> {
    // Stopped before the first tick: the clears found at start are still sent (the uplink stops after).
    this.apply(this.startClears.splice(0));
    this.options.bus.off('message', this.onMessage);
    this.options.bus.off('connected', this.onConnected);
    for (const timer of this.timers) clearInterval(timer);
    this.unwatch();
    this.saveNow();
    this.store.close();
  }

  /** Re-reads the rule files; keeps the rules in force if any file is broken. */
  reload(): { ok: true; rules: number } | { ok: false; errors: string[] } {
    const { logger, now } = this.options;
    const loaded = loadRuleFiles(this.ruleFilePaths(), this.webhooks);
    if (!loaded.ok) {
      for (const error of loaded.errors) logger.error({ error }, 'rule file refused; the rules in force stay active');
      this.loadState = { ok: false, at: now(), errors: loaded.errors };
      this.announce({ type: 'rules_rejected', detail: loaded.errors.join('\n').slice(0, 512) });
      return { ok: false, errors: loaded.errors };
    }
    const previous = this.engine;
    const next = this.newEngine(loaded.files);
    const at = now();
    next.restore(previous.snapshot());
    // A rule whose selector changed may no longer select devices it tracked.
    const deselected = next.reconcile(this.current, at);
    next.watch(this.options.directory.activeDevices(), at);
    // Alerts of rules that were removed (or disabled) are cleared: nothing will ever clear them otherwise.
    const kept = new Set([...next.active(), ...deselected.map((t) => t.alert)].map((alert) => alert.alert_id));
    const orphans: AlertTransition[] = previous
      .active()
      .filter((alert) => !kept.has(alert.alert_id))
      .map((alert) => ({ type: 'cleared', alert, at, reason: 'rule_removed' }));
    this.files = loaded.files;
    this.engine = next;
    this.reconciledAt = at;
    this.apply([...deselected, ...orphans]);
    // A new engine: every instance compared, the rows of rules gone deleted.
    this.saver
      .saveAll(() => this.engine.liveInstances(), this.files, at)
      .catch((err: unknown) => this.options.logger.error({ err }, 'rule state could not be saved'));
    this.loadState = { ok: true, at, rules: this.rules.length };
    logger.info({ rules: this.rules.length }, 'rules reloaded');
    this.announce({ type: 'rules_reloaded', detail: `${this.rules.length} rules` });
    return { ok: true, rules: this.rules.length };
  }

  active() {
    return this.engine.active();
  }

  /** The rule files in load order, the rules in force, and how the files last loaded. */
  ruleFiles(): { paths: string[]; inForce: number; load: RuleLoadState } {
    return { paths: this.ruleFilePaths(), inForce: this.rules.length, load: this.loadState };
  }

  /** What a rule file's webhooks may do here: the console checks a file against it before saving. */
  get webhookPolicy(): RuleWebhookPolicy {
    return this.webhooks;
  }

  /** Ticks run so far: "a few ticks passed and nothing happened" is observable, not slept for. */
  get ticks(): number {
    return this.tickCount;
  }

  /** Actions run, rate-limited and failed so far. */
  actionStats() {
    return { ...this.actions.stats };
  }

  /** The rule set the cloud sent (downlink `rules.update`), kept beside the local files. */
  get cloudRulesPath(): string {
    return join(this.options.config.gateway.data_dir, 'cloud-rules.yaml');
  }

  private ruleFilePaths(): string[] {
    const files = [...this.options.config.rules.files];
    const configured = new Set(files.map((file) => resolve(file)));
    files.push(...this.folder.paths().filter((path) => !configured.has(path)));
    if (existsSync(this.cloudRulesPath)) files.push(this.cloudRulesPath);
    return files;
  }

  /**
   * Installs a rule set sent by the cloud: checked before it replaces anything (a broken set is
   * refused with its errors and the rules in force stay), written atomically, then loaded.
   */
  installCloudRules(yaml: string): { ok: true; rules: number } | { ok: false; errors: string[] } {
    const parsed = parseRuleFile(yaml, 'cloud rules');
    if (!parsed.ok) return { ok: false, errors: parsed.errors };
    // Webhook targets and secrets are the installer's to allow, not the cloud's: refused before it is written.
    const refused = this.webhooks.problems(parsed.value, 'cloud rules');
    if (refused.length > 0) return { ok: false, errors: refused };
    const staging = `${this.cloudRulesPath}.new`;
    writeFileSync(staging, yaml, { mode: 0o600 });
    renameSync(staging, this.cloudRulesPath);
    return this.reload();
  }

  private newEngine(files: readonly RuleFile[]): RuleEngine {
    const gatewayId = this.options.config.gateway.id;
    this.rules = files.flatMap((file) => file.rules);
    return new RuleEngine({
      rules: this.rules,
      suppressions: files.flatMap((file) => file.suppressions),
      timeZone: this.options.config.rules.time_zone,
      // Alert ids are minted here and travel unchanged to the cloud: unique per gateway and run.
      newAlertId: () => `al-${gatewayId}-${this.options.now().toString(36)}-${(++this.alertIds).toString(36)}`,
    });
  }

  /** The passing of time; now and then, the tracked devices are read again (see RECONCILE_EVERY_MS). */
  private tick(): void {
    const at = this.options.now();
    const transitions = this.startClears.splice(0);
    if (at - this.reconciledAt >= RECONCILE_EVERY_MS) {
      this.reconciledAt = at;
      transitions.push(...this.engine.reconcile(this.current, at));
    }
    transitions.push(...this.engine.tick(at));
    this.apply(transitions);
    this.tickCount++;
  }

  private apply(transitions: AlertTransition[]): void {
    for (const transition of transitions) {
      const { alert } = transition;
      const topic = this.topics.alert(alert.rule_id, alert.device_id);
      // The retained topic mirrors the alert; once the broker has closed (stopping) it is gone anyway.
      this.options.publisher
        .publish(topic, transition.type === 'cleared' ? null : alert, { retain: true, qos: 1 })
        .catch((err: unknown) => this.options.logger.warn({ err, topic }, 'alert topic not updated'));
      this.options.logger.info(
        {
          alert: alert.alert_id,
          rule: alert.rule_id,
          device: alert.device_id,
          occurrences: alert.occurrences,
          ...(transition.type === 'cleared' ? { reason: transition.reason } : {}),
        },
        `alert ${transition.type}`,
      );
      const clearReason = transition.type === 'cleared' ? transition.reason : 'condition_false';
      this.options.bus.emit('alert', { transition, clearReason });
      const rule = this.rules.find((candidate) => candidate.id === alert.rule_id);
      const subject = this.options.directory.device(alert.device_id);
      if (rule && subject) this.actions.run(rule, transition, subject);
    }
  }

  /** Saves what changed, a slice of the rule instances a turn: alarms do not wait behind it. */
  private saveChanges(): void {
    this.saver
      .saveChanges(() => this.engine.takeChanges(), this.files, this.options.now())
      .catch((err: unknown) => this.options.logger.error({ err }, 'rule state could not be saved'));
  }

  private saveNow(): void {
    try {
      this.saver.saveNow(this.engine.liveInstances(), this.files, this.options.now());
    } catch (err) {
      this.options.logger.error({ err }, 'rule state could not be saved');
    }
  }

  private announce(event: Pick<BridgeEvent, 'type' | 'detail'>): void {
    const payload: BridgeEvent = { ts: toTimestamp(this.options.now()), ...event };
    void this.options.publisher.publish(this.topics.bridgeEvent, payload);
  }

  /** `bridge/request/rules/list` and `bridge/request/alerts/list` → `bridge/response/…`. */
  private async answerRequests(): Promise<void> {
    const handlers: BridgeRequestHandlers = {
      'rules/list': () => ({
        rules: this.rules.map((rule) => ({
          id: rule.id,
          name: rule.name,
          severity: rule.severity,
          category: rule.category,
          condition: rule.condition.type,
        })),
      }),
      'alerts/list': () => ({ alerts: this.engine.active() }),
    };
    await answerBridgeRequests(
      this.options.aedes,
      this.options.publisher,
      this.options.config.gateway.base_topic,
      handlers,
    );
  }
}
