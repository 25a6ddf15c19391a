import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { type DownlinkAck, DownlinkMessage, parseWith } from '@gridlink/protocol';
import Database from 'better-sqlite3';
import type { Logger } from 'pino';
import { type MigrationSet, migrate } from '../storage/migrate.js';
import { Backoff } from '../time/backoff.js';
import type { CloudClient } from './cloud-client.js';

export type DownlinkOutcome = { result: 'applied' } | { result: 'rejected'; error: string };
export type ApplyDownlink = (message: DownlinkMessage) => Promise<DownlinkOutcome> | DownlinkOutcome;

/** The ledger file's schema (version 1 is what gateways created before versions were recorded). */
export const LEDGER_MIGRATIONS: MigrationSet = {
  name: 'downlink ledger',
  migrations: [
    {
      version: 1,
      description: 'commands handled, by id',
      sql: 'CREATE TABLE IF NOT EXISTS handled (id TEXT PRIMARY KEY, result TEXT NOT NULL, error TEXT, at INTEGER NOT NULL) STRICT',
    },
  ],
};

/**
 * The downlink messages this gateway has handled, by id, with the answer it gave. The cloud keeps
 * a message until it is acknowledged, so it may deliver one again (the ack was lost): the ledger
 * answers `duplicate` and applies nothing twice.
 */
export class DownlinkLedger {
  private readonly db: Database.Database;
  private readonly find;
  private readonly insert;

  constructor(path: string) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    migrate(this.db, path, LEDGER_MIGRATIONS);
    this.find = this.db.prepare('SELECT result, error FROM handled WHERE id = ?');
    this.insert = this.db.prepare('INSERT OR IGNORE INTO handled (id, result, error, at) VALUES (?, ?, ?, ?)');
  }

  handled(id: string): boolean {
    return this.find.get(id) !== undefined;
  }

  record(id: string, outcome: DownlinkOutcome, at: number): void {
    this.insert.run(id, outcome.result, outcome.result === 'rejected' ? outcome.error : null, at);
  }

  close(): void {
    this.db.close();
  }
}

export interface DownlinkReceiverOptions {
  client: CloudClient;
  ledger: DownlinkLedger;
  apply: ApplyDownlink;
  logger: Logger;
  waitS: number;
  backoff: { initialMs: number; maxMs: number; random?: () => number };
  now?: () => number;
}

/**
 * Long-polls the cloud for commands and incident updates (the gateway opens the connection, so it
 * works behind NAT), applies each message once, and acknowledges it. A message that cannot be
 * understood is acknowledged as `rejected` with the reason, so it does not come back forever.
 */
export class DownlinkReceiver {
  private running = false;
  private loop?: Promise<void>;
  private readonly abort = new AbortController();
  private readonly backoff: Backoff;
  private cancelSleep: (() => void) | null = null;
  applied = 0;
  rejected = 0;

  constructor(private readonly options: DownlinkReceiverOptions) {
    this.backoff = new Backoff(options.backoff);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.abort.abort();
    this.cancelSleep?.();
    await this.loop;
  }

  private async run(): Promise<void> {
    const { client, logger } = this.options;
    let failing = false;
    while (this.running) {
      try {
        const response = await client.pollDownlink(this.options.waitS, 100, this.abort.signal);
        if (response.status !== 200) throw new Error(`HTTP ${response.status}: ${JSON.stringify(response.body)}`);
        const messages = (response.body as { messages?: unknown })?.messages;
        if (!Array.isArray(messages)) throw new Error('the cloud answered without a messages list');
        const acks: DownlinkAck[] = [];
        for (const raw of messages) acks.push(await this.handle(raw));
        if (acks.length > 0) {
          const acked = await client.ackDownlink(acks, this.abort.signal);
          if (acked.status !== 200) throw new Error(`acks refused: HTTP ${acked.status}`);
        }
        if (failing) logger.info('downlink polling resumed');
        failing = false;
        this.backoff.reset();
      } catch (err) {
        if (!this.running) return;
        if (!failing) logger.warn({ err: (err as Error).message }, 'downlink polling failed: retrying with backoff');
        failing = true;
        await this.sleep(this.backoff.next());
      }
    }
  }

  private async handle(raw: unknown): Promise<DownlinkAck> {
    const { ledger, apply, logger } = this.options;
    const id = typeof (raw as { id?: unknown })?.id === 'string' ? (raw as { id: string }).id : '';
    const parsed = parseWith(DownlinkMessage, raw, 'downlink');
    if (!parsed.ok) {
      this.rejected++;
      logger.error({ id, error: parsed.error.message }, 'downlink message refused');
      return { id: id || 'unknown', result: 'rejected', error: parsed.error.message };
    }
    const message = parsed.value;
    if (ledger.handled(message.id)) return { id: message.id, result: 'duplicate' };
    let outcome: DownlinkOutcome;
    try {
      outcome = await apply(message);
    } catch (err) {
      outcome = { result: 'rejected', error: (err as Error).message };
    }
    ledger.record(message.id, outcome, (this.options.now ?? Date.now)());
    if (outcome.result === 'applied') this.applied++;
    else {
      this.rejected++;
      logger.error({ id: message.id, type: message.type, error: outcome.error }, 'downlink message rejected');
    }
    return outcome.result === 'applied'
      ? { id: message.id, result: 'applied' }
      : { id: message.id, result: 'rejected', error: outcome.error };
  }

  private sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, ms);
      this.cancelSleep = () => {
        clearTimeout(timer);
        resolve();
      };
    });
  }
}
