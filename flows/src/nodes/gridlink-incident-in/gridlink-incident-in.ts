import type { Node, NodeAPI, NodeDef } from 'node-red';
import { filterFromSettings, matchesFilter } from '../../cloud/incident-filter.js';
import { IncidentStreamClient } from '../../cloud/incident-stream-client.js';
import { useCloud } from '../../cloud/use-cloud.js';
import { connectionStatus, errorStatus } from '../../kit/connection-state.js';

interface IncidentInDef extends NodeDef {
  cloud?: string;
  /** Category codes (each with its sub-categories), comma-separated; empty for all. */
  categories?: string;
  /** Incident states, comma-separated; empty for all. */
  states?: string;
  /** Grid or community codes, comma-separated; empty for all the token may see. */
  places?: string;
  /** Also send `reload` messages when the cloud says changes were missed. */
  reloads?: boolean;
}

/**
 * Where each node's stream stopped, by node id, so a redeploy resumes without a gap. Kept in the
 * runtime's memory: Node-RED deletes a node's own context whenever it closes it (a redeploy too),
 * and flow context would show it to every function node.
 */
const positions = new Map<string, string>();

/**
 * `gridlink-incident-in`: the cloud's live incident stream, scoped by the API token and narrowed by
 * category, state and place. Each change once, resumed after a drop without gaps or repeats.
 */
export default function register(RED: NodeAPI): void {
  function GridlinkIncidentIn(this: Node, def: IncidentInDef) {
    RED.nodes.createNode(this, def);
    const settings = filterFromSettings(def);
    if (!settings.ok) {
      this.status(errorStatus(settings.reason));
      this.error(`filter: ${settings.reason}`);
      return;
    }
    const cloud = useCloud(RED, this, def.cloud);
    if (!cloud) return;
    const resumeFrom = positions.get(this.id);
    const client = new IncidentStreamClient({
      cloud,
      ...(resumeFrom === undefined ? {} : { lastEventId: resumeFrom }),
      onStatus: (state) => this.status(connectionStatus(state)),
      onChange: (change, eventId) => {
        positions.set(this.id, eventId);
        if (!matchesFilter(settings.filter, change)) return;
        this.send({ topic: `incident/${change.id}`, payload: change, event_id: eventId });
      },
      onReload: (reason, eventId) => {
        positions.set(this.id, eventId);
        this.warn(`the cloud says changes were missed (${reason}): read the incident list again`);
        if (def.reloads) this.send({ topic: 'reload', payload: { reason }, event_id: eventId });
      },
      onInvalid: (error) => this.error(error.message, { topic: 'invalid', payload: error.message }),
    });
    client.start();
    this.on('close', (done: () => void) => {
      client.stop().then(done, done);
    });
  }
  RED.nodes.registerType('gridlink-incident-in', GridlinkIncidentIn);
}
