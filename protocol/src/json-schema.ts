import { z } from 'zod';
import { CloudEvent, Priority } from './envelope/cloudevents.js';
import { DownlinkAck, DownlinkMessage } from './envelope/downlink.js';
import { uplinkData } from './envelope/uplink-data.js';
import { BRIDGE_COMMANDS } from './mqtt/bridge-commands.js';
import {
  AlertPayload,
  Availability,
  BridgeEvent,
  BridgeHealth,
  BridgeInfo,
  BridgeResponse,
  DeadLetter,
} from './mqtt/payloads.js';
import { deviceProfiles } from './profiles/index.js';
import { Rule, RuleFile } from './rules/rule.js';

/**
 * JSON Schema (draft 2020-12) export of the contract, so devices and services written in other
 * languages validate exactly what Gridlink validates. One document per device kind plus the MQTT,
 * uplink and downlink documents; each names its schemas in `$defs`.
 */
const DIALECT = 'https://json-schema.org/draft/2020-12/schema';

function toSchema(schema: z.ZodType): Record<string, unknown> {
  const out = z.toJSONSchema(schema, { target: 'draft-2020-12', unrepresentable: 'any', io: 'input' });
  const { $schema: _dialect, ...rest } = out as Record<string, unknown>;
  return rest;
}

function document(id: string, title: string, defs: Record<string, z.ZodType>, extra: Record<string, unknown> = {}) {
  return {
    $schema: DIALECT,
    $id: `urn:gridlink:schema:${id}`,
    title,
    ...extra,
    $defs: Object.fromEntries(Object.entries(defs).map(([name, schema]) => [name, toSchema(schema)])),
  };
}

/** File name (relative to the export folder) → JSON Schema document. */
export function buildJsonSchemas(): Record<string, unknown> {
  const files: Record<string, unknown> = {};
  for (const profile of Object.values(deviceProfiles)) {
    const defs: Record<string, z.ZodType> = { state: profile.schemas.state };
    for (const [type, schema] of Object.entries(profile.schemas.events)) defs[`event.${type}`] = schema as z.ZodType;
    for (const [name, schema] of Object.entries(profile.schemas.commands))
      defs[`command.${name}`] = schema as z.ZodType;
    files[`devices/${profile.kind}.json`] = document(
      `device:${profile.kind}`,
      `${profile.name.en} (${profile.name.zh})`,
      defs,
      {
        'x-gridlink': {
          kind: profile.kind,
          name: profile.name,
          heartbeat_s: profile.heartbeat_s,
          topics: {
            state: 'gridlink/<device_id>',
            event: 'gridlink/<device_id>/event/<event_type>  ($defs event.<event_type>)',
            command: 'gridlink/<device_id>/set  ($defs command.<name>)',
          },
        },
      },
    );
  }
  files['mqtt.json'] = document('mqtt', 'Gridlink MQTT payloads', {
    availability: Availability,
    'bridge.info': BridgeInfo,
    'bridge.health': BridgeHealth,
    'bridge.event': BridgeEvent,
    'bridge.response': BridgeResponse,
    ...Object.fromEntries(
      Object.entries(BRIDGE_COMMANDS).flatMap(([command, { request, response }]) => [
        [`bridge.request.${command}`, request],
        [`bridge.response.${command}.data`, response],
      ]),
    ),
    'bridge.dead_letter': DeadLetter,
    alert: AlertPayload,
  });
  files['uplink.json'] = document('uplink', 'Gridlink gateway → cloud CloudEvents', {
    envelope: CloudEvent,
    priority: Priority,
    ...Object.fromEntries(Object.entries(uplinkData).map(([type, schema]) => [`data.${type}`, schema])),
  });
  // For editors: a YAML language server validates rule files against `$defs/file`.
  files['rules.json'] = document('rules', 'Gridlink gateway alert rules', { file: RuleFile, rule: Rule });
  files['downlink.json'] = document('downlink', 'Gridlink cloud → gateway messages', {
    message: DownlinkMessage,
    ack: DownlinkAck,
  });
  return files;
}

/** Serialised exactly as committed, so a test can tell when the export is stale. */
export function serializeJsonSchema(doc: unknown): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}
