import { createTopics, type DeadLetter, toTimestamp, validateDeviceMessage } from '@gridlink/protocol';
import type { DeviceRecord } from '../devices/directory.js';
import type { AuditEntry } from '../registry/registry.js';
import { type CommandRate, CommandRateLimit } from './command-rate.js';

/** Where an integrator's commands are recorded (the registry's audit log on a gateway). */
export type AuditSink = (entry: Omit<AuditEntry, 'at'>) => void;

/** A command from an integrator, after the ACL let its topic through (a device it is granted). */
export interface IntegratorCommand {
  username: string;
  /** Where the client connects from, for the audit log. */
  address: string;
  device: DeviceRecord;
  topic: string;
  payload: Uint8Array;
}

export type CommandVerdict =
  | { deliver: true }
  | { deliver: false; code: 'command_rate_limited' | 'command_invalid'; reason: string };

const DETAIL_PAYLOAD_CHARS = 200;
const MAX_DEAD_LETTER_PAYLOAD = 4096;

export interface IntegratorCommandsOptions {
  baseTopic: string;
  rate: CommandRate;
  audit: AuditSink;
  /** Publishes a refusal where a device's invalid message would go (`<base>/bridge/dead_letter/<id>`). */
  deadLetter: (topic: string, letter: DeadLetter) => void;
  now: () => number;
}

/**
 * The second gate of an integrator's command (the ACL was the first): the account's rate limit,
 * then the device kind's profile, exactly as devices' own messages are checked. A command refused
 * here is acknowledged but never delivered, and its refusal, with the profile's message, goes to
 * the device's dead-letter topic, as a device's invalid publish does. Every command is audited;
 * a flood past the rate limit writes one row when it starts and one with the count when it ends,
 * so a runaway flow cannot fill the audit log either.
 */
export class IntegratorCommands {
  private readonly limit: CommandRateLimit;
  private readonly topics;
  /** Commands refused by the rate limit since the account's last audit row about it. */
  private readonly floods = new Map<string, number>();

  constructor(private readonly options: IntegratorCommandsOptions) {
    this.limit = new CommandRateLimit(options.rate, options.now);
    this.topics = createTopics(options.baseTopic);
  }

  check(command: IntegratorCommand): CommandVerdict {
    const { username, device, topic, payload } = command;
    if (!this.limit.take(username)) {
      const reason = `integrator ${username} sent more than ${this.options.rate.perMinute} commands a minute (burst ${this.options.rate.burst}; mqtt.limits.integrator_commands_per_minute): not delivered`;
      const refusedSoFar = this.floods.get(username);
      this.floods.set(username, (refusedSoFar ?? 0) + 1);
      // The first refusal of a flood is audited and dead-lettered; the rest are counted.
      if (refusedSoFar === undefined) {
        this.record(command, `refused: ${reason}; further refusals are counted until commands flow again`);
        this.deadLetter(device, topic, payload, reason);
      }
      return { deliver: false, code: 'command_rate_limited', reason };
    }
    this.endFlood(command);
    const checked = validateDeviceMessage({ topic, payload, kind: device.kind, base: this.options.baseTopic });
    if (!checked.ok) {
      const reason = checked.error.message;
      this.record(command, `refused: ${reason}`);
      this.deadLetter(device, topic, payload, reason);
      return { deliver: false, code: 'command_invalid', reason };
    }
    this.record(command, `delivered: ${preview(payload)}`);
    return { deliver: true };
  }

  /** Audits a command the ACL refused (a device not granted, or retired). */
  refusedByAcl(command: Omit<IntegratorCommand, 'device' | 'payload'> & { deviceId: string }, reason: string): void {
    this.options.audit({
      username: command.username,
      role: 'integrator',
      address: command.address,
      action: 'mqtt.command',
      target: command.deviceId,
      detail: `refused: ${reason}`,
    });
  }

  private endFlood(command: IntegratorCommand): void {
    const refused = this.floods.get(command.username);
    if (refused === undefined) return;
    this.floods.delete(command.username);
    this.options.audit({
      username: command.username,
      role: 'integrator',
      address: command.address,
      action: 'mqtt.command_rate_limited',
      detail: `${refused} ${refused === 1 ? 'command was' : 'commands were'} refused by the rate limit and not delivered`,
    });
  }

  private record(command: IntegratorCommand, detail: string): void {
    this.options.audit({
      username: command.username,
      role: 'integrator',
      address: command.address,
      action: 'mqtt.command',
      target: command.device.id,
      detail: detail.slice(0, 1000),
    });
  }

  private deadLetter(device: DeviceRecord, topic: string, payload: Uint8Array, error: string): void {
    this.options.deadLetter(this.topics.bridgeDeadLetter(device.id), {
      ts: toTimestamp(this.options.now()),
      topic,
      error,
      payload: text(payload, MAX_DEAD_LETTER_PAYLOAD),
    });
  }
}

function text(payload: Uint8Array, chars: number): string {
  const bytes = Buffer.from(payload.buffer, payload.byteOffset, Math.min(payload.byteLength, chars));
  return bytes.toString('utf8').slice(0, chars);
}

function preview(payload: Uint8Array): string {
  const body = text(payload, DETAIL_PAYLOAD_CHARS + 1);
  return body.length > DETAIL_PAYLOAD_CHARS ? `${body.slice(0, DETAIL_PAYLOAD_CHARS)}…` : body;
}
