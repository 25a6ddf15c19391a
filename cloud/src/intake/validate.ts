import { type CloudEvent, parseCloudEvent } from '@gridlink/protocol';

export type EventVerdict = { ok: true; event: CloudEvent; data: string } | { ok: false; id: string; error: string };

// PostgreSQL's jsonb cannot hold NUL or an unpaired surrogate, which JSON.stringify writes as
// \u escapes (the only \u escapes it writes besides control characters; an escaped backslash
// before "u" is text, hence the even run of backslashes). Such an event is refused here: if it
// reached the INSERT, the whole batch would fail on every retry.
const UNSTORABLE_JSON = /(?<=(?:^|[^\\])(?:\\\\)*)\\u(?:0000|d[89a-f][0-9a-f]{2})/i;

/**
 * One event of a batch sent by gateway `gatewayId`: a valid CloudEvent of the protocol, sent by
 * that gateway (its `gatewayid` and `source`), whose device (if any) agrees with its source.
 */
export function validateEvent(value: unknown, index: number, gatewayId: string): EventVerdict {
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
  const data = JSON.stringify(event.data);
  if (UNSTORABLE_JSON.test(data)) {
    return refuse('data: holds a NUL character or an unpaired surrogate, which cannot be stored');
  }
  return { ok: true, event, data };
}

/** The `id` of something that may not be an event at all, for the per-event result. */
function idOf(value: unknown): string {
  const id = typeof value === 'object' && value !== null ? (value as { id?: unknown }).id : undefined;
  return typeof id === 'string' ? id : '';
}
