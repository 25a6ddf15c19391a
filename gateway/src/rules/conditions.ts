import type { Condition, DeviceMessage } from '@gridlink/protocol';
import type { DeviceRecord } from '../devices/directory.js';
import { compare, selects, whereMatches } from './matching.js';

/** What a condition sees of one valid device message. */
export interface Observation {
  device: DeviceRecord;
  /** `state` for retained state, else the event type. */
  kind: 'state' | 'event' | 'availability';
  eventType?: string;
  fields: Record<string, unknown>;
  /** Gateway time of receipt (ms): device clocks are not trusted for windows. */
  at: number;
}

/**
 * What a rule condition sees of a valid device message, as the live rules module feeds it (commands
 * are not observations), so a replay predicts what the gateway would do.
 */
export function toObservation(device: DeviceRecord, message: DeviceMessage, at: number): Observation | undefined {
  switch (message.type) {
    case 'state':
      return { device, kind: 'state', fields: message.state, at };
    case 'event':
      return { device, kind: 'event', eventType: message.eventType, fields: message.payload, at };
    case 'availability':
      return { device, kind: 'availability', fields: { state: message.state }, at };
    case 'command':
      return undefined;
  }
}

/** Condition state is plain JSON, so it can be persisted and restored across restarts. */
export type ConditionState =
  | { type: 'threshold'; on: boolean; pendingSince: number | null; value: number | null }
  | { type: 'event'; on: boolean; lastMatchAt: number | null }
  | { type: 'count'; times: number[] }
  | { type: 'absence'; lastMatchAt: number }
  | { type: 'correlation'; hits: Array<{ device: string; entry: number; at: number }> };

export function initialState(condition: Condition, now: number): ConditionState {
  switch (condition.type) {
    case 'threshold':
      return { type: 'threshold', on: false, pendingSince: null, value: null };
    case 'event':
      return { type: 'event', on: false, lastMatchAt: null };
    case 'count':
      return { type: 'count', times: [] };
    case 'absence':
      // A device starts its first period when the gateway starts watching it.
      return { type: 'absence', lastMatchAt: now };
    case 'correlation':
      return { type: 'correlation', hits: [] };
  }
}

const isEvent = (obs: Observation, event: string) => obs.kind === 'event' && obs.eventType === event;

/**
 * Feeds one observation to a condition. Returns whether it was a triggering occurrence (an event
 * that matched), which counts towards an active alert's occurrences.
 */
export function observe(
  condition: Condition,
  state: ConditionState,
  obs: Observation,
  ruleSelectorMatches = true,
): boolean {
  switch (condition.type) {
    case 'threshold': {
      const s = state as Extract<ConditionState, { type: 'threshold' }>;
      const value = obs.fields[condition.field];
      if (typeof value !== 'number') return false;
      s.value = value;
      if (!s.on) {
        if (compare(value, condition.op, condition.value)) s.pendingSince ??= obs.at;
        else s.pendingSince = null;
      } else {
        const off = condition.clear
          ? compare(value, condition.clear.op, condition.clear.value)
          : !compare(value, condition.op, condition.value);
        if (off) {
          s.on = false;
          s.pendingSince = null;
        }
      }
      return false;
    }
    case 'event': {
      const s = state as Extract<ConditionState, { type: 'event' }>;
      if (condition.clear_event && isEvent(obs, condition.clear_event)) {
        s.on = false;
        return false;
      }
      if (!isEvent(obs, condition.event) || !whereMatches(condition.where, obs.fields)) return false;
      s.on = true;
      s.lastMatchAt = obs.at;
      return true;
    }
    case 'count': {
      const s = state as Extract<ConditionState, { type: 'count' }>;
      if (!isEvent(obs, condition.event) || !whereMatches(condition.where, obs.fields)) return false;
      s.times.push(obs.at);
      return true;
    }
    case 'absence': {
      const s = state as Extract<ConditionState, { type: 'absence' }>;
      // Without an event, any message is a sign of life, except the device's own `offline` (its Will).
      const matches =
        condition.event === undefined
          ? !(obs.kind === 'availability' && obs.fields.state === 'offline')
          : isEvent(obs, condition.event) && whereMatches(condition.where, obs.fields);
      if (!matches) return false;
      s.lastMatchAt = obs.at;
      return false;
    }
    case 'correlation': {
      const s = state as Extract<ConditionState, { type: 'correlation' }>;
      let matched = false;
      condition.of.forEach((entry, index) => {
        const selected = entry.selector ? selects(entry.selector, obs.device) : ruleSelectorMatches;
        if (selected && isEvent(obs, entry.event) && whereMatches(entry.where, obs.fields)) {
          s.hits.push({ device: obs.device.id, entry: index, at: obs.at });
          matched = true;
        }
      });
      return matched;
    }
  }
}

/** Whether the condition holds at `now` (applies durations, windows and timeouts). */
export function holds(condition: Condition, state: ConditionState, now: number): boolean {
  switch (condition.type) {
    case 'threshold': {
      const s = state as Extract<ConditionState, { type: 'threshold' }>;
      if (!s.on && s.pendingSince !== null && now - s.pendingSince >= condition.for_s * 1000) s.on = true;
      return s.on;
    }
    case 'event': {
      const s = state as Extract<ConditionState, { type: 'event' }>;
      const quiet = s.lastMatchAt !== null && now - s.lastMatchAt >= condition.clear_after_s * 1000;
      if (s.on && !condition.clear_event && quiet) s.on = false;
      return s.on;
    }
    case 'count': {
      const s = state as Extract<ConditionState, { type: 'count' }>;
      const since = now - condition.window_s * 1000;
      // Times arrive in order: drop the expired ones from the front, allocating nothing usually.
      let expired = 0;
      while (expired < s.times.length && (s.times[expired] as number) <= since) expired++;
      if (expired > 0) s.times.splice(0, expired);
      return s.times.length >= condition.at_least;
    }
    case 'absence': {
      const s = state as Extract<ConditionState, { type: 'absence' }>;
      return now - s.lastMatchAt >= condition.within_s * 1000;
    }
    case 'correlation': {
      const s = state as Extract<ConditionState, { type: 'correlation' }>;
      const since = now - condition.within_s * 1000;
      let expired = 0;
      while (expired < s.hits.length && (s.hits[expired]?.at ?? 0) <= since) expired++;
      if (expired > 0) s.hits.splice(0, expired);
      const devices = new Set(s.hits.map((hit) => hit.device));
      if (condition.at_least !== undefined) return devices.size >= condition.at_least;
      // Without at_least: every entry matched, by as many distinct devices as there are entries.
      const entries = new Set(s.hits.map((hit) => hit.entry));
      return entries.size === condition.of.length && devices.size >= Math.max(2, condition.of.length);
    }
  }
}
