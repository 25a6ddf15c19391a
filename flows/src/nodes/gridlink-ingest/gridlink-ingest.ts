import { DeviceId } from '@gridlink/protocol';
import type { Node, NodeAPI, NodeDef, NodeMessageInFlow } from 'node-red';
import { useGateway } from '../../gateway/use-gateway.js';
import { deviceReading } from '../../ingest/device-reading.js';
import { ingestSettings } from '../../ingest/reading-mapping.js';
import { errorStatus } from '../../kit/connection-state.js';
import { reasonOf, reportError } from '../../kit/errors.js';

interface IngestDef extends NodeDef {
  gateway?: string;
  /** The registered device the readings are published as (the gateway account must hold an ingest grant for it). */
  device?: string;
  kind?: string;
  /** `state`, or `event:<type>`. */
  message?: string;
  /** JSON: profile field → path in the reading, or {from, scale, offset, values, optional}. */
  mapping?: string;
  /** Where an event's time is in the reading; empty: when it arrives. */
  tsFrom?: string;
}

/**
 * `gridlink-ingest`: a third party's reading brought in as a registered device of a known kind.
 * Mapped to the kind's profile, validated as a device's own message, published through the
 * gateway node's connection as the device. A reading that fails anywhere goes to the second
 * output (dead letter) with its error, and to `catch` nodes: none is dropped silently.
 */
export default function register(RED: NodeAPI): void {
  function GridlinkIngest(this: Node, def: IngestDef) {
    RED.nodes.createNode(this, def);
    const checked = ingestSettings(def);
    const deviceId = def.device?.trim() ?? '';
    const refusal = !checked.ok
      ? checked.reason
      : !DeviceId.safeParse(deviceId).success
        ? `device ${JSON.stringify(deviceId)} is not a device id: enter the registered id of the third-party device`
        : undefined;
    if (refusal !== undefined || !checked.ok) {
      const reason = refusal ?? 'settings';
      this.status(errorStatus(reason));
      this.error(`settings: ${reason}`);
      // Readings sent to a node that cannot work still go to the dead-letter output, with why.
      this.on('input', (msg, send, done) => {
        deadLetter(this, send, msg, new Error(`settings: ${reason}`));
        done();
      });
      return;
    }
    const { settings } = checked;
    const link = useGateway(RED, this, def.gateway);
    if (!link) {
      this.on('input', (msg, send, done) => {
        deadLetter(this, send, msg, new Error('no gateway: choose a gridlink-gateway config node'));
        done();
      });
      return;
    }

    this.on('input', (msg, send, done) => {
      const reading = deviceReading(settings, deviceId, link.baseTopic, msg.payload, new Date());
      if (!reading.ok) {
        deadLetter(this, send, msg, reading.error);
        done();
        return;
      }
      const { topic, body, fields } = reading.reading;
      registered(link, deviceId, settings.kind)
        // A state is retained, as a device's own is: whoever subscribes later reads the last one.
        .then(() => link.publish(topic, body, { retain: settings.target.type === 'state' }))
        .then(() => {
          this.status({ fill: 'green', shape: 'dot', text: `published ${topic}` });
          send([{ ...msg, topic, payload: fields, device: { id: deviceId, kind: settings.kind } }, null]);
          done();
        })
        .catch((error: unknown) => {
          deadLetter(this, send, msg, error, topic);
          done();
        });
    });
  }
  RED.nodes.registerType('gridlink-ingest', GridlinkIngest);
}

/** The device on the gateway's record is of the kind the mapping was written for. */
async function registered(
  link: NonNullable<ReturnType<typeof useGateway>>,
  deviceId: string,
  kind: string,
): Promise<void> {
  const device = await link.device(deviceId);
  if (!device) throw new Error(`device ${deviceId} is not on the gateway's record: register it (kind ${kind}) first`);
  if (device.kind !== kind) {
    throw new Error(
      `device ${deviceId} is a ${device.kind} on the gateway's record, not a ${kind}: fix the node's kind`,
    );
  }
}

/** A reading that could not be brought in: out of the second output with its error, and to `catch` nodes. */
function deadLetter(
  node: Node,
  send: (msg: Array<NodeMessageInFlow | null>) => void,
  msg: NodeMessageInFlow,
  error: unknown,
  topic?: string,
): void {
  const reason = reasonOf(error);
  const issues = (error as { issues?: unknown }).issues;
  node.status(errorStatus(reason));
  send([
    null,
    { ...msg, error: { message: reason, ...(Array.isArray(issues) ? { issues } : {}), ...(topic ? { topic } : {}) } },
  ]);
  reportError(node, reason, msg);
}
