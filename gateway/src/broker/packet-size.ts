import type { Client } from 'aedes';

/**
 * aedes has no packet-size cap: mqtt-packet buffers whatever length a client announces (up to
 * ~256 MB). We check the announced remaining length the moment the parser has read it, before a
 * single payload byte is buffered, and close the connection if it is over the limit.
 *
 * This reaches into the per-client mqtt-packet parser (`_parser._parseLength`), a private API:
 * `assertPacketSizeHookAvailable` runs at startup so an aedes/mqtt-packet upgrade that moves it
 * fails loudly instead of silently dropping the limit.
 */
interface ParserInternals {
  packet: { cmd?: string; length: number };
  _parseLength: () => boolean;
}

function parserOf(client: Client): ParserInternals | undefined {
  const parser = (client as unknown as { _parser?: ParserInternals })._parser;
  return parser && typeof parser._parseLength === 'function' ? parser : undefined;
}

/** A packet-size limit and the name of its `mqtt.limits` field (for the refusal). */
export interface PacketLimit {
  bytes: number;
  name: string;
}

/** `limitOf` is asked at every packet: the limit may change once the client has signed in. */
export function limitPacketSize(
  client: Client,
  limitOf: () => PacketLimit,
  onOversize: (announced: number, limit: PacketLimit) => void,
): void {
  const parser = parserOf(client);
  if (!parser) throw new Error('aedes client has no mqtt-packet parser to guard (aedes internals changed?)');
  const parseLength = parser._parseLength;
  parser._parseLength = function guardedParseLength(this: ParserInternals) {
    const complete = parseLength.call(this);
    const limit = complete ? limitOf() : undefined;
    if (limit && this.packet.length > limit.bytes) {
      onOversize(this.packet.length, limit);
      client.conn.destroy();
      return false;
    }
    return complete;
  };
}

/** Fails at startup if the hook point is missing. */
export function assertPacketSizeHookAvailable(probe: Client): void {
  if (!parserOf(probe)) {
    throw new Error('cannot enforce mqtt.limits.max_packet_bytes: aedes/mqtt-packet internals changed');
  }
}
