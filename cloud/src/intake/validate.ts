import { type CloudEvent, parseCloudEvent } from '@gridlink/protocol';

export type EventVerdict = { ok: true; event: CloudEvent; data: string } | { ok: false; id: string; error: string };

// PostgreSQL's jsonb cannot hold NUL or an unpaired surrogate, which JSON.stringify writes as
// \u escapes (the only \u escapes it writes besides control characters; an escaped backslash
// before "u" is text, hence the even run of backslashes). Such an event is refused here: if it
// reached the INSERT, the whole batch would fail on every retry.
const UNSTORABLE_JSON = /(?<=(?:^|[^\\])(?:\\\\)*)\\u(?:0000|d[89a-f][0-9a-f]{2})/i;

const PLACED_ALERTS = new Set(['cn.gridlink.alert.raised.v1', 'cn.gridlink.alert.updated.v1']);
/** What the device inventory is made of: kept per community (cloud/src/devices). */
const INVENTORY_TYPES = new Set([
  'cn.gridlink.inventory.sync.v1',
  'cn.gridlink.inventory.changed.v1',
  'cn.gridlink.device.health.v1',
  'cn.gridlink.device.health_batch.v1',
]);

/**
 * One event of a batch sent by gateway `gatewayId`: a valid CloudEvent of the protocol, sent by
 * that gateway (its `gatewayid` and `source`), whose device (if any) agrees with its source, and
 * which, as an alert, places its incident only in `community`, the one the gateway serves.
 */
export function validateEvent(
  value: unknown,
  index: number,
  gatewayId: string,
  community: string | null = null,
): EventVerdict {
  const id = idOf(value);
  const parsed = parseCloudEvent(value, `events[${index}]`);
  if (!parsed.ok) return { ok: false, id, error: parsed.error.message };
  const event = parsed.value;
  const refuse = (problem: string) => ({ ok: false as const, id, error: `events[${index}]: ${problem}` });

  const prefix = `/gateways/${gatewayId}`;
  if (event.gatewayid !== gatewayId) {
    return refuse(`gatewayid: expected "${gatewayId}" (the gateway of this URL), received "${event.gatewayid}"`);
  }
  if (event.source !== prefix && !event.source.startsWith(`${prefix}/`)) {
    return refuse(`source: expected "${prefix}" or "${prefix}/devices/<device_id>", received "${event.source}"`);
  }
  const sourceDevice = event.source.startsWith(`${prefix}/devices/`)
    ? event.source.slice(`${prefix}/devices/`.length)
    : undefined;
  if (event.deviceid !== undefined && sourceDevice !== undefined && event.deviceid !== sourceDevice) {
    return refuse(`deviceid: "${event.deviceid}" disagrees with source "${event.source}"`);
  }
  const placeProblem = PLACED_ALERTS.has(event.type) ? alertPlaceProblem(event.data, gatewayId, community) : undefined;
  if (placeProblem !== undefined) return refuse(placeProblem);
  const inventoryProblem = INVENTORY_TYPES.has(event.type) ? inventoryCommunityProblem(event, community) : undefined;
  if (inventoryProblem !== undefined) return refuse(inventoryProblem);
  const data = JSON.stringify(event.data);
  if (UNSTORABLE_JSON.test(data)) {
    return refuse('data: holds a NUL character or an unpaired surrogate, which cannot be stored');
  }
  return { ok: true, event, data };
}

/**
 * Why an alert's place lies outside the community its gateway serves: a gateway's token must not
 * open or join incidents in another community (they are dispatched to that community's people).
 */
function alertPlaceProblem(data: unknown, gatewayId: string, community: string | null): string | undefined {
  const place = (data as { place?: { community?: string; grid?: string } }).place;
  if (place === undefined || (place.community === undefined && place.grid === undefined)) return undefined;
  if (community === null) {
    return `data.place: gateway ${gatewayId} has no community on record, so its alerts cannot name a place; set it with PUT /api/v1/gateways/${gatewayId}/community`;
  }
  if (place.community !== undefined && place.community !== community) {
    return `data.place.community: "${place.community}" is not community ${community}, which gateway ${gatewayId} serves`;
  }
  if (place.grid !== undefined && !place.grid.startsWith(community)) {
    return `data.place.grid: "${place.grid}" is not a grid of community ${community}, which gateway ${gatewayId} serves`;
  }
  return undefined;
}

/**
 * Why a gateway's inventory or health cannot be taken: the devices it reports belong to the
 * community it serves, so it needs one on record, and a full sync must name that one.
 */
function inventoryCommunityProblem(event: CloudEvent, community: string | null): string | undefined {
  if (community === null) {
    return `gateway ${event.gatewayid} has no community on record, so the cloud cannot place its devices; set it with PUT /api/v1/gateways/${event.gatewayid}/community`;
  }
  const named = (event.data as { community?: string }).community;
  if (named !== undefined && named !== community) {
    return `data.community: "${named}" is not community ${community}, which gateway ${event.gatewayid} serves`;
  }
  return undefined;
}

/** The `id` of something that may not be an event at all, for the per-event result. */
function idOf(value: unknown): string {
  const id = typeof value === 'object' && value !== null ? (value as { id?: unknown }).id : undefined;
  return typeof id === 'string' ? id : '';
}
