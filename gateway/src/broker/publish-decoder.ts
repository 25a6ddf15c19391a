import type { Client } from 'aedes';

/**
 * A signed-in client's PUBLISH packets decoded here, straight from the bytes the inbound
 * admission hands over, instead of by mqtt-packet's general parser. Almost every packet a gateway
 * reads is a device's QoS 0 or 1 PUBLISH, and the general parser spends on each one a dozen
 * `debug()` calls (each allocating its arguments even when logging is off), a buffer list that
 * re-slices its buffer as it consumes it, and a state machine run once per field: ~9 % of the
 * broker's CPU and ~20 % of what it allocates (`bench/broker-throughput.ts`, CPU and allocation
 * profiles). The packet emitted is the one mqtt-packet would emit, field for field (a payload that
 * is a view on the bytes read, as its buffer list gives too), to the same listeners: the inbound
 * admission counts it, aedes handles it.
 *
 * Anything else goes to mqtt-packet as before, which then owns the order of the bytes: a packet of
 * another type, a QoS 2 PUBLISH, MQTT 5 (properties), a client not yet signed in, a malformed or
 * incomplete packet, one over the packet-size limit (mqtt-packet refuses these, with the errors
 * and the refusal its guard in packet-size.ts gives).
 *
 * Reaches into mqtt-packet's parser (`parse`, `_list`, `error`, `settings`), and fails loudly at
 * the first connection if they moved.
 */
export interface DecodedPublish {
  cmd: 'publish';
  retain: boolean;
  qos: 0 | 1;
  dup: boolean;
  /** The remaining length, as mqtt-packet reports it. */
  length: number;
  topic: string;
  payload: Buffer;
  messageId?: number;
}

interface ParserInternals {
  parse(bytes: Buffer): number;
  emit(event: 'packet', packet: DecodedPublish): boolean;
  _list: { length: number };
  error: Error | null;
  settings: { protocolVersion?: number };
}

const PUBLISH = 3;

/**
 * The PUBLISH at `at` in `bytes` (QoS 0 or 1, whole, remaining length at most `maxLength`, well
 * formed), and where it ends; undefined for anything mqtt-packet should see instead.
 */
export function decodePublish(
  bytes: Buffer,
  at: number,
  maxLength: number,
): { packet: DecodedPublish; end: number } | undefined {
  const first = bytes[at] as number;
  if (first >> 4 !== PUBLISH) return undefined;
  const qos = (first >> 1) & 3;
  if (qos !== 0 && qos !== 1) return undefined;
  let remaining = 0;
  let multiplier = 1;
  let p = at + 1;
  for (let digits = 0; ; digits++) {
    if (digits === 4 || p >= bytes.length) return undefined;
    const digit = bytes[p++] as number;
    remaining += (digit & 0x7f) * multiplier;
    multiplier *= 128;
    if ((digit & 0x80) === 0) break;
  }
  if (remaining > maxLength) return undefined;
  const end = p + remaining;
  if (end > bytes.length || p + 2 > end) return undefined;
  const topicEnd = p + 2 + ((bytes[p] as number) << 8) + (bytes[p + 1] as number);
  if (topicEnd > end || (qos === 1 && topicEnd + 2 > end)) return undefined;
  const packet: DecodedPublish = {
    cmd: 'publish',
    retain: (first & 1) !== 0,
    qos,
    dup: (first & 8) !== 0,
    length: remaining,
    topic: bytes.toString('utf8', p + 2, topicEnd),
    payload: bytes,
  };
  p = topicEnd;
  if (qos === 1) {
    packet.messageId = ((bytes[p] as number) << 8) + (bytes[p + 1] as number);
    p += 2;
  }
  packet.payload = bytes.subarray(p, end);
  return { packet, end };
}

function parserOf(client: Client): ParserInternals | undefined {
  const parser = (client as unknown as { _parser?: Partial<ParserInternals> })._parser;
  const ok =
    typeof parser?.parse === 'function' &&
    typeof parser.emit === 'function' &&
    typeof parser._list?.length === 'number' &&
    typeof parser.settings === 'object';
  return ok ? (parser as ParserInternals) : undefined;
}

/**
 * Decodes a client's PUBLISH packets here once it has signed in (`maxLength` is asked per read:
 * the packet-size limit of who signed in). Call right after `aedes.handle`.
 */
export function decodePublishesOf(client: Client, maxLength: () => number): void {
  const parser = parserOf(client);
  if (!parser)
    throw new Error(
      'publish decoder: the aedes client has no mqtt-packet parser with parse/_list/settings (internals changed?)',
    );
  const parse = parser.parse.bind(parser);
  // Bytes in the order they were handed over: a read handed over while the packets of an earlier
  // one are being emitted (aedes may finish a packet at once and ask for more) waits its turn.
  const pending: Buffer[] = [];
  let decoding = false;

  const decodeAll = (bytes: Buffer): void => {
    const signedIn = client.connected && !client.closed;
    const version = parser.settings.protocolVersion;
    if (!signedIn || (version !== 3 && version !== 4) || parser._list.length > 0 || parser.error) {
      parse(bytes);
      return;
    }
    const limit = maxLength();
    let at = 0;
    while (at < bytes.length && !client.closed) {
      const decoded = decodePublish(bytes, at, limit);
      if (decoded === undefined) {
        parse(at === 0 ? bytes : bytes.subarray(at));
        return;
      }
      at = decoded.end;
      parser.emit('packet', decoded.packet);
    }
  };

  parser.parse = (bytes: Buffer): number => {
    pending.push(bytes);
    if (decoding) return parser._list.length;
    decoding = true;
    try {
      // A listener that throws leaves what is not yet decoded first in line for the next read.
      for (let next = pending.shift(); next !== undefined; next = pending.shift()) decodeAll(next);
    } finally {
      decoding = false;
    }
    return parser._list.length;
  };
}
