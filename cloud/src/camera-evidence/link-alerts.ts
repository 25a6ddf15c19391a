import type { CloudEvent } from '@gridlink/protocol';
import type { CameraEvidenceStore } from './store.js';

const ALERT_TYPES = new Set(['cn.gridlink.alert.raised.v1', 'cn.gridlink.alert.updated.v1']);

/**
 * After a batch's alerts went into incidents: snapshots of those alerts that arrived first join
 * their incidents now (the gateway's own alert ids: its source names it). Best effort — reading
 * the incident's files links whatever is still waiting.
 */
export async function linkCameraSnapshots(store: CameraEvidenceStore, events: readonly CloudEvent[]): Promise<void> {
  const byGateway = new Map<string, string[]>();
  for (const event of events) {
    if (!ALERT_TYPES.has(event.type)) continue;
    const gateway = /^\/gateways\/([^/]+)/.exec(event.source)?.[1];
    const alertId = (event.data as { alert_id?: unknown } | undefined)?.alert_id;
    if (gateway === undefined || typeof alertId !== 'string') continue;
    byGateway.set(gateway, [...(byGateway.get(gateway) ?? []), alertId]);
  }
  for (const [gatewayId, alertIds] of byGateway) {
    await store.link({ gatewayId, alertIds }).catch(() => {});
  }
}
