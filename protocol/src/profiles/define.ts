import { z } from 'zod';
import { Timestamp } from '../time.js';

export interface Names {
  zh: string;
  en: string;
}

type Shape = Record<string, z.ZodType>;

export interface EventSpec<F extends Shape = Shape> {
  name: Names;
  /** A threat to life or property: sent to the cloud in the alarm class, ahead of every backlog. */
  urgent?: true;
  /** Payload fields besides `ts`; required unless declared `.optional()`. */
  fields: F;
}

export interface CommandSpec<F extends Shape = Shape> {
  name: Names;
  /** Payload fields; the first key names the command (`{"door":"release","duration_s":30}`). */
  fields: F;
}

export interface ProfileSpec<
  K extends string = string,
  S extends Shape = Shape,
  E extends Record<string, EventSpec> = Record<string, EventSpec>,
  C extends Record<string, CommandSpec> = Record<string, CommandSpec>,
> {
  kind: K;
  name: Names;
  /**
   * The longest a healthy device stays silent, in seconds: the liveness deadline. A device that
   * sends nothing (state, event or heartbeat) for longer is suspected offline.
   */
  heartbeat_s: number;
  /** Retained state on `gridlink/<id>`: every field optional, so a device may report a subset. */
  state: S;
  /** Events on `gridlink/<id>/event/<type>`, each with `ts`. */
  events: E;
  /** Commands accepted on `gridlink/<id>/set`, keyed by the payload key that selects them. */
  commands: C;
  /** Valid example payloads: documentation, simulator seeds and test fixtures at once. */
  examples: {
    state: Array<Record<string, unknown>>;
    events: { [T in keyof E]?: Array<Record<string, unknown>> };
    commands: { [T in keyof C]?: Array<Record<string, unknown>> };
  };
}

type Optionalize<S extends Shape> = { [K in keyof S]: z.ZodOptional<S[K]> };

export interface DeviceProfile<
  K extends string = string,
  S extends Shape = Shape,
  E extends Record<string, EventSpec> = Record<string, EventSpec>,
  C extends Record<string, CommandSpec> = Record<string, CommandSpec>,
> extends ProfileSpec<K, S, E, C> {
  schemas: {
    state: z.ZodObject<Optionalize<S>, z.core.$strict>;
    events: { [T in keyof E]: z.ZodObject<E[T]['fields'] & { ts: typeof Timestamp }, z.core.$strict> };
    commands: { [T in keyof C]: z.ZodObject<C[T]['fields'], z.core.$strict> };
  };
}

function mapValues<T extends object, R>(obj: T, fn: (value: T[keyof T], key: keyof T & string) => R) {
  return Object.fromEntries(
    Object.entries(obj).map(([key, value]) => [key, fn(value as T[keyof T], key as keyof T & string)]),
  ) as { [K in keyof T]: R };
}

/** Turns a profile declaration into strict zod schemas (unknown fields are errors, not noise). */
export function defineProfile<
  const K extends string,
  S extends Shape,
  E extends Record<string, EventSpec>,
  C extends Record<string, CommandSpec>,
>(spec: ProfileSpec<K, S, E, C>): DeviceProfile<K, S, E, C> {
  for (const [command, { fields }] of Object.entries(spec.commands)) {
    if (Object.keys(fields)[0] !== command) {
      throw new Error(`profile ${spec.kind}: command "${command}" must have "${command}" as its first field`);
    }
  }
  const state = z.strictObject(mapValues(spec.state, (field) => field.optional()) as Optionalize<S>);
  const events = mapValues(spec.events, (event) => z.strictObject({ ts: Timestamp, ...event.fields }));
  const commands = mapValues(spec.commands, (command) => z.strictObject(command.fields));
  return { ...spec, schemas: { state, events, commands } } as DeviceProfile<K, S, E, C>;
}
