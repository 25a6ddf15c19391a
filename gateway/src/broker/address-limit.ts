import type { Socket } from 'node:net';

/**
 * Caps simultaneous connections per source address, so one misbehaving device (or a reconnect
 * storm from one NAT) cannot exhaust the gateway. Applies before any MQTT byte is read.
 */
export class AddressLimiter {
  private readonly open = new Map<string, number>();

  constructor(
    private readonly maxPerAddress: number,
    private readonly onRefused: (address: string) => void,
  ) {}

  /** Returns false (and destroys the socket) when the address is over its limit. */
  admit(socket: Socket): boolean {
    const address = socket.remoteAddress ?? 'unknown';
    const count = this.open.get(address) ?? 0;
    if (count >= this.maxPerAddress) {
      this.onRefused(address);
      socket.destroy();
      return false;
    }
    this.open.set(address, count + 1);
    socket.once('close', () => {
      const left = (this.open.get(address) ?? 1) - 1;
      if (left <= 0) this.open.delete(address);
      else this.open.set(address, left);
    });
    return true;
  }

  connections(address: string): number {
    return this.open.get(address) ?? 0;
  }
}
