import {
  CATEGORY_SEEDS,
  DEFAULT_BASE_TOPIC,
  DEVICE_KINDS,
  profileOf,
  SEVERITIES,
  SEVERITY_NAMES,
} from '@gridlink/protocol';

/**
 * What the editor forms need from the protocol (kinds, commands, severities, categories, the
 * default base topic), written into each node's HTML at build time where it says
 * `__GRIDLINK_EDITOR_DATA__`: the browser cannot import the protocol, and a copy would drift.
 */
export function editorData() {
  return {
    defaultBaseTopic: DEFAULT_BASE_TOPIC,
    kinds: DEVICE_KINDS.map((kind) => {
      const profile = profileOf(kind);
      return {
        kind,
        name: profile.name,
        events: Object.entries(profile.events).map(([type, spec]) => ({ type, name: spec.name })),
        commands: Object.entries(profile.commands).map(([command, spec]) => ({
          command,
          name: spec.name,
          example: profile.examples.commands[command]?.[0],
        })),
      };
    }),
    severities: SEVERITIES.map((severity) => ({ severity, name: SEVERITY_NAMES[severity] })),
    categories: CATEGORY_SEEDS.map(({ code, name }) => ({ code, name })),
  };
}

export const EDITOR_DATA_PLACEHOLDER = '__GRIDLINK_EDITOR_DATA__';
