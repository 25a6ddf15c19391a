import {
  createTopics,
  DeadLetter,
  DeviceId,
  parseJsonObject,
  parseTopic,
  parseWith,
  validateDeviceMessage,
} from '@gridlink/protocol';
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import type { GatewayLink } from '../../gateway/gateway-link.js';
import { useGateway } from '../../gateway/use-gateway.js';
import { errorStatus } from '../../kit/connection-state.js';
import { reasonOf, reportError } from '../../kit/errors.js';

interface CommandDef extends NodeDef {
  gateway?: string;
  /** The device to command; empty to take msg.device. */
  device?: string;
}

/** How long a sent command waits for the gateway's refusal on its dead-letter topic. */
const REFUSAL_WINDOW_MS = 60_000;
const MAX_WATCHED = 100;

/**
 * `gridlink-command`: msg.payload as a command to a device (`<base>/<id>/set`, QoS 1), checked
 * against the profile of the device's kind before it leaves.
 */
export default function register(RED: NodeAPI): void {
  function GridlinkCommand(this: Node, def: CommandDef) {
    RED.nodes.createNode(this, def);
    const link = useGateway(RED, this, def.gateway);
    if (!link) return;
    const topics = createTopics(link.baseTopic);
    // Commands sent, by topic and payload, until the gateway's refusal of one could still come.
    const watched = new Map<string, { msg: NodeMessageInFlow; until: number }>();
    const removeWatch = link.subscribe(`${link.baseTopic}/bridge/dead_letter/+`, ({ topic, payload }) => {
      const where = parseTopic(topic, link.baseTopic);
      if (!where.ok || where.value.kind !== 'bridge_dead_letter') return;
      const body = parseJsonObject(payload, topic);
      const letter = body.ok ? parseWith(DeadLetter, body.value, topic) : body;
      if (!letter.ok) return;
      const key = `${letter.value.topic}\n${letter.value.payload}`;
      const sent = watched.get(key);
      if (!sent) return;
      watched.delete(key);
      this.status(errorStatus(`gateway refused: ${letter.value.error}`));
      reportError(this, `the gateway refused the command: ${letter.value.error}`, sent.msg);
    });
    this.on('close', removeWatch);

    this.on('input', (msg, send, done) => {
      command(link, def.device, msg)
        .then(({ deviceId, command, body }) => {
          const topic = topics.deviceSet(deviceId);
          const now = Date.now();
          for (const [key, entry] of watched) if (entry.until < now || watched.size >= MAX_WATCHED) watched.delete(key);
          watched.set(`${topic}\n${body}`, { msg, until: now + REFUSAL_WINDOW_MS });
          return link.publish(topic, body).then(() => {
            this.status({ fill: 'green', shape: 'dot', text: `sent ${command} to ${deviceId}` });
            send({ ...msg, topic });
            done();
          });
        })
        .catch((err) => {
          const reason = reasonOf(err);
          this.status(errorStatus(reason));
          // As text with the message, so `catch` nodes get the reason itself (done(err) would prefix "Error: ").
          reportError(this, reason, msg);
          done();
        });
    });
  }
  RED.nodes.registerType('gridlink-command', GridlinkCommand);
}

/** The device and the checked command of a message, or an error saying what is wrong and how to fix it. */
async function command(
  link: GatewayLink,
  configured: string | undefined,
  msg: NodeMessageInFlow,
): Promise<{ deviceId: string; command: string; body: string }> {
  const given = msg.device as { id?: unknown } | string | undefined;
  const target = configured?.trim() || (typeof given === 'object' && given !== null ? given.id : given);
  if (target === undefined || target === null || target === '') {
    throw new Error("no device: set the node's device, or msg.device to a device id");
  }
  if (!DeviceId.safeParse(target).success) {
    throw new Error(`device ${JSON.stringify(target)} is not a device id: set the node's device or msg.device`);
  }
  const deviceId = target as string;
  if (typeof msg.payload !== 'object' || msg.payload === null || Array.isArray(msg.payload)) {
    throw new Error('msg.payload must be an object with the command, e.g. {"valve":"close"}');
  }
  const device = await link.device(deviceId);
  if (!device) throw new Error(`device ${deviceId} is not on the gateway's record`);
  const body = JSON.stringify(msg.payload);
  const checked = validateDeviceMessage({
    topic: createTopics(link.baseTopic).deviceSet(deviceId),
    payload: body,
    kind: device.kind,
    base: link.baseTopic,
  });
  if (!checked.ok) throw new Error(`refused by the ${device.kind} profile: ${checked.error.message}`);
  if (checked.value.type !== 'command') throw new Error('not a command');
  return { deviceId, command: checked.value.command, body };
}
