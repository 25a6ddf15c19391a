import { type DeviceKind, profileOf, toTimestamp } from '@gridlink/protocol';
import { z } from 'zod';
import { pick, type Random } from './random.js';

interface Bounds {
  minimum?: number;
  maximum?: number;
  type?: string;
}

/**
 * Makes plausible payloads from a profile's examples: numbers drift a little within the field's
 * declared bounds, events get a fresh `ts`. Realistic device behaviour per kind comes on top.
 */
export class PayloadFactory {
  private readonly profile;
  private readonly bounds = new Map<string, Bounds>();

  constructor(
    kind: DeviceKind,
    private readonly random: Random,
  ) {
    this.profile = profileOf(kind);
    for (const [field, schema] of Object.entries(this.profile.state)) {
      this.bounds.set(field, z.toJSONSchema(schema, { unrepresentable: 'any' }) as Bounds);
    }
  }

  get eventTypes(): string[] {
    return Object.keys(this.profile.events);
  }

  state(previous?: Record<string, unknown>): Record<string, unknown> {
    const base = previous ?? pick(this.random, this.profile.examples.state);
    const next: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(base)) {
      next[field] = typeof value === 'number' ? this.drift(field, value) : value;
    }
    return next;
  }

  event(type: string, now: number): Record<string, unknown> {
    const examples = this.profile.examples.events[type];
    if (!examples || examples.length === 0) throw new Error(`${this.profile.kind} has no example for event ${type}`);
    return { ...pick(this.random, examples), ts: toTimestamp(now) };
  }

  private drift(field: string, value: number): number {
    const {
      minimum = Number.NEGATIVE_INFINITY,
      maximum = Number.POSITIVE_INFINITY,
      type,
    } = this.bounds.get(field) ?? {};
    const step = Math.max(Math.abs(value) * 0.02, 0.1) * (this.random() * 2 - 1);
    const drifted = Math.min(maximum, Math.max(minimum, value + step));
    return type === 'integer' ? Math.round(drifted) : Math.round(drifted * 100) / 100;
  }
}
