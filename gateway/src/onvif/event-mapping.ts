import type { CameraNotification } from './notifications.js';
import { isTrue } from './xml.js';

/** The onvif_camera profile's event types (protocol/src/profiles/kinds/onvif-camera.ts). */
export type CameraEventType = 'motion' | 'tamper' | 'line_crossing' | 'field_detection';

/**
 * A notification in the profile's terms. `flag` events describe a condition that starts and ends
 * (one key per condition, so a camera that reports motion on two topics yields one change);
 * `pulse` events happen once (a line was crossed).
 */
export type MappedEvent =
  | {
      kind: 'flag';
      type: 'motion' | 'tamper' | 'field_detection';
      key: string;
      active: boolean;
      fields: Record<string, unknown>;
    }
  | { kind: 'pulse'; type: 'line_crossing'; fields: Record<string, unknown> };

interface TopicRule {
  topic: string;
  /** The data items the topic's value is read from, first present wins (firmware differ in the name). */
  values?: readonly string[];
  map(notification: CameraNotification): MappedEvent | undefined;
}

const source = (n: CameraNotification) =>
  n.source.VideoSourceConfigurationToken ?? n.source.VideoSourceToken ?? n.source.Source ?? n.source.InputToken;

/** Analytics rule name; cameras that leave it out get the analytics configuration or the topic's detector. */
const ruleName = (n: CameraNotification, fallback: string) =>
  (n.source.Rule ?? n.source.VideoAnalyticsConfigurationToken ?? fallback).slice(0, 64) || fallback;

const withSource = (n: CameraNotification): Record<string, unknown> => {
  const token = source(n);
  return token ? { source: token.slice(0, 64) } : {};
};

/**
 * The value names cameras write: ONVIF core says `IsMotion`/`IsTamper` for the rule engine topics
 * and `State` for the video source alarms, yet firmware mixes them up (cell motion as `State`).
 */
const MOTION_VALUES = ['IsMotion', 'State'] as const;
const TAMPER_VALUES = ['IsTamper', 'State'] as const;

function flagRule(topic: string, type: 'motion' | 'tamper', values: readonly string[]): TopicRule {
  return { topic, values, map: flag(type, values) };
}

function flag(type: 'motion' | 'tamper', items: readonly string[]): (n: CameraNotification) => MappedEvent | undefined {
  return (n) => {
    const item = items.find((name) => n.data[name] !== undefined);
    const value = item === undefined ? undefined : n.data[item];
    if (value === undefined) return undefined;
    const active = isTrue(value);
    const fields = type === 'motion' ? { is_motion: active, ...withSource(n) } : { state: active, ...withSource(n) };
    return { kind: 'flag', type, key: type, active, fields };
  };
}

/** Topics mapped to the profile, ONVIF core names first, then the ones Hikvision firmware uses. */
export const TOPIC_RULES: readonly TopicRule[] = [
  flagRule('RuleEngine/CellMotionDetector/Motion', 'motion', MOTION_VALUES),
  flagRule('VideoSource/MotionAlarm', 'motion', MOTION_VALUES),
  flagRule('VideoSource/GlobalSceneChange/ImagingService', 'tamper', TAMPER_VALUES),
  flagRule('RuleEngine/TamperDetector/Tamper', 'tamper', TAMPER_VALUES),
  {
    topic: 'RuleEngine/LineDetector/Crossed',
    map: (n) => ({ kind: 'pulse', type: 'line_crossing', fields: { rule: ruleName(n, 'LineDetector') } }),
  },
  {
    topic: 'RuleEngine/FieldDetector/ObjectsInside',
    values: ['IsInside'],
    map: (n) => {
      const value = n.data.IsInside;
      if (value === undefined) return undefined;
      const rule = ruleName(n, 'FieldDetector');
      const active = isTrue(value);
      return {
        kind: 'flag',
        type: 'field_detection',
        key: `field_detection:${rule}`,
        active,
        fields: { rule, is_inside: active },
      };
    },
  },
];

const BY_TOPIC = new Map(TOPIC_RULES.map((rule) => [rule.topic.toLowerCase(), rule]));

/** The profile event for a notification, or undefined for topics Gridlink does not map. */
export function mapNotification(notification: CameraNotification): MappedEvent | undefined {
  return BY_TOPIC.get(notification.topic.toLowerCase())?.map(notification);
}

export const TOPIC_NAMESPACE = 'http://www.onvif.org/ver10/topics';
export const CONCRETE_SET = 'http://www.onvif.org/ver10/tev/topicExpression/ConcreteSet';

/** The wsnt:Filter asking the camera for the mapped topics only (ConcreteSet dialect, `|` between). */
export function topicFilterXml(): string {
  const expression = TOPIC_RULES.map((rule) => `tns1:${rule.topic}`).join('|');
  return `<wsnt:Filter><wsnt:TopicExpression Dialect="${CONCRETE_SET}" xmlns:tns1="${TOPIC_NAMESPACE}">${expression}</wsnt:TopicExpression></wsnt:Filter>`;
}
