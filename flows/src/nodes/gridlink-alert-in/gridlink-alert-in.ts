import {
  type AlertPayload,
  BridgeInfo,
  createTopics,
  parseJsonObject,
  parseMqttMessage,
  parseWith,
} from '@gridlink/protocol';
import type { Node, NodeAPI, NodeDef } from 'node-red';
import { type AlertChange, alertFilter, passes } from '../../alerts/alert-filter.js';
import { useGateway } from '../../gateway/use-gateway.js';
import { errorStatus } from '../../kit/connection-state.js';
import { reportError } from '../../kit/errors.js';

interface AlertInDef extends NodeDef {
  gateway?: string;
  minSeverity?: string;
  category?: string;
  raised?: boolean;
  updated?: boolean;
  cleared?: boolean;
  /** Also send the alerts already active when the node starts (retained on the gateway). */
  activeOnStart?: boolean;
}

/** `gridlink-alert-in`: the gateway's alerts (`<base>/alert/<rule>/<device>`) as they are raised, updated and cleared. */
export default function register(RED: NodeAPI): void {
  function GridlinkAlertIn(this: Node, def: AlertInDef) {
    RED.nodes.createNode(this, def);
    const filter = alertFilter(def);
    if (!filter.ok) {
      this.status(errorStatus(filter.reason));
      this.error(`filter: ${filter.reason}`);
      return;
    }
    const link = useGateway(RED, this, def.gateway);
    if (!link) return;
    // The last payload of each active alert: what a clear (an empty payload) was about.
    const active = new Map<string, AlertPayload>();
    // Alert ids are the gateway's own (another gateway may mint the same one), so whoever tells the
    // cloud about an alert names the gateway too: its id, from the retained `bridge/info` it
    // publishes on start. Subscribed before the alerts, so the retained info comes first.
    let gatewayId: string | undefined;
    const infoTopic = createTopics(link.baseTopic).bridgeInfo;
    const removeInfo = link.subscribe(infoTopic, ({ topic, payload }) => {
      const json = parseJsonObject(payload, topic);
      const info = json.ok ? parseWith(BridgeInfo, json.value, topic) : json;
      if (!info.ok) {
        reportError(this, info.error.message, { topic, payload: payload.toString() });
        return;
      }
      gatewayId = info.value.gateway_id;
    });
    const remove = link.subscribe(
      createTopics(link.baseTopic).filters.alerts,
      ({ topic, payload, retained }) => {
        const parsed = parseMqttMessage({ topic, payload, kindOf: () => undefined, base: link.baseTopic });
        if (!parsed.ok) {
          reportError(this, parsed.error.message, { topic, payload: payload.toString() });
          return;
        }
        if (parsed.value.topic !== 'alert') return;
        const { ruleId, deviceId, payload: alert } = parsed.value;
        const before = active.get(topic);
        let change: AlertChange;
        if (alert === null) {
          active.delete(topic);
          change = 'cleared';
        } else {
          active.set(topic, alert);
          change = before?.alert_id === alert.alert_id ? 'updated' : 'raised';
        }
        if (retained && !def.activeOnStart) return;
        const about = alert ?? before;
        if (!passes(filter.filter, change, about)) return;
        this.send({
          topic,
          payload: about ?? null,
          change,
          alert: { ruleId, deviceId },
          retained,
          ...(gatewayId === undefined ? {} : { gateway_id: gatewayId }),
        });
      },
      (reason) => this.status(errorStatus(reason)),
    );
    this.on('close', () => {
      remove();
      removeInfo();
    });
  }
  RED.nodes.registerType('gridlink-alert-in', GridlinkAlertIn);
}
