/**
 * Cuts a stream of MQTT bytes after at most `maxPackets` whole packets, from the fixed headers
 * alone (a type byte and the remaining length, 1–4 bytes of base-128): the broker can then hand
 * a client's read to aedes a few packets at a time and keep the rest as bytes, which cost a
 * hundredth of the parsed packets they would become.
 */
export class MqttFraming {
  /** Bytes of a packet already handed on (its head) that are still to come. */
  private owed = 0;
  /** The framing was lost (a remaining length longer than 4 bytes): every byte goes on as it is. */
  private lost = false;

  /**
   * How many leading bytes of `bytes` to hand on now: at most `maxPackets` whole packets, and a
   * packet's head whose body is still to come. 0 when `bytes` starts with an incomplete fixed
   * header (hand nothing yet: wait for more bytes).
   */
  cut(bytes: Uint8Array, maxPackets: number): { length: number; packets: number } {
    if (this.lost) return { length: bytes.length, packets: 0 };
    let at = 0;
    let packets = 0;
    if (this.owed > 0) {
      at = Math.min(this.owed, bytes.length);
      this.owed -= at;
      if (this.owed > 0) return { length: at, packets: 0 };
      packets = 1;
    }
    while (at < bytes.length && packets < maxPackets) {
      let remaining = 0;
      let multiplier = 1;
      let headerBytes = 1;
      let complete = false;
      for (; headerBytes <= 4 && at + headerBytes < bytes.length; headerBytes++) {
        const digit = bytes[at + headerBytes] as number;
        remaining += (digit & 0x7f) * multiplier;
        multiplier *= 128;
        if ((digit & 0x80) === 0) {
          complete = true;
          break;
        }
      }
      if (!complete) {
        if (headerBytes > 4) {
          // Not MQTT: the parser refuses it and the connection closes.
          this.lost = true;
          return { length: bytes.length, packets };
        }
        break; // the header is split across reads
      }
      const total = 1 + headerBytes + remaining;
      if (at + total > bytes.length) {
        this.owed = at + total - bytes.length;
        at = bytes.length;
        break;
      }
      at += total;
      packets++;
    }
    return { length: at, packets };
  }
}
