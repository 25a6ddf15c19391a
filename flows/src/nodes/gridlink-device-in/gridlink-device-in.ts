import { createTopics, parseTopic, SnakeName, validateDeviceMessage } from '@gridlink/protocol';
import type { Node, NodeAPI, NodeDef, NodeMessage } from 'node-red';
import { type DeviceSelection, deviceSelection, selects } from '../../devices/selection.js';
import { unitsOf } from '../../devices/units.js';
import type { IncomingMessage } from '../../gateway/gateway-link.js';
import { useGateway } from '../../gateway/use-gateway.js';
import { errorStatus } from '../../kit/connection-state.js';
import { reasonOf, reportError } from '../../kit/errors.js';

interface DeviceInDef extends NodeDef {
  gateway?: string;
  /** `state`, `events` or `both` (the default). */
  messages?: string;
  kind?: string;
  device?: string;
  building?: string;
  unit?: string;
  floor?: string | number;
  tag?: string;
  /** Only this event type (events only); empty for any. */
  event?: string;
}

/** `gridlink-device-in`: device state and events of the selected devices, checked against their profiles. */
export default function register(RED: NodeAPI): void {
  function GridlinkDeviceIn(this: Node, def: DeviceInDef) {
    RED.nodes.createNode(this, def);
    const selection = deviceSelection(def);
    if (!selection.ok) {
      this.status(errorStatus(selection.reason));
      this.error(`selection: ${selection.reason}`);
      return;
    }
    const event = def.event?.trim() || undefined;
    if (event !== undefined && !SnakeName.safeParse(event).success) {
      const reason = `event type ${JSON.stringify(event)} is not snake_case, e.g. reading`;
      this.status(errorStatus(reason));
      this.error(`selection: ${reason}`);
      return;
    }
    const link = useGateway(RED, this, def.gateway);
    if (!link) return;
    const topics = createTopics(link.baseTopic);
    const only = selection.selection.device;
    const wanted = def.messages === 'state' || def.messages === 'events' ? def.messages : 'both';
    const filters = [
      ...(wanted !== 'events' ? [only ? topics.deviceState(only) : topics.filters.allDevices] : []),
      ...(wanted !== 'state'
        ? [`${only ? topics.deviceState(only) : `${link.baseTopic}/+`}/event/${event ?? '+'}`]
        : []),
    ];
    const handle = (message: IncomingMessage) =>
      deliver(this, link, selection.selection, message).catch((err) =>
        reportError(this, `${message.topic}: ${reasonOf(err)}`, {
          topic: message.topic,
          payload: message.payload.toString(),
        }),
      );
    const removers = filters.map((filter) =>
      link.subscribe(filter, handle, (reason) => this.status(errorStatus(reason))),
    );
    this.on('close', () => {
      for (const remove of removers) remove();
    });
  }
  RED.nodes.registerType('gridlink-device-in', GridlinkDeviceIn);
}

async function deliver(
  node: Node,
  link: NonNullable<ReturnType<typeof useGateway>>,
  selection: DeviceSelection,
  { topic, payload, retained }: IncomingMessage,
): Promise<void> {
  const parsedTopic = parseTopic(topic, link.baseTopic);
  if (!parsedTopic.ok) return;
  const { value: where } = parsedTopic;
  if (where.kind !== 'device_state' && where.kind !== 'device_event') return;
  const device = await link.device(where.deviceId);
  // A device the gateway has no record of is not one a flow could have selected.
  if (!device || !selects(selection, device)) return;
  const checked = validateDeviceMessage({ topic, payload, kind: device.kind, base: link.baseTopic });
  if (!checked.ok) {
    const raw: NodeMessage = { topic, payload: payload.toString(), device: deviceOf(device) };
    reportError(node, checked.error.message, raw);
    return;
  }
  const message = checked.value;
  if (message.type === 'state') {
    node.send({
      topic,
      payload: message.state,
      type: 'state',
      device: deviceOf(device),
      units: unitsOf(device.kind, message.state),
      retained,
    });
  } else if (message.type === 'event') {
    node.send({
      topic,
      payload: message.payload,
      type: 'event',
      event: message.eventType,
      device: deviceOf(device),
      units: unitsOf(device.kind, message.payload, message.eventType),
    });
  }
}

const deviceOf = (device: { id: string; kind: string; place?: unknown; tags: string[] }) => ({
  id: device.id,
  kind: device.kind,
  place: device.place ?? null,
  tags: device.tags,
});
