import type { ConnectionState } from '../kit/connection-state.js';
import type { GatewayLink } from './gateway-link.js';

/** The link of a config node whose settings cannot work: it never connects and says why. */
export class BrokenLink implements GatewayLink {
  readonly state: ConnectionState;

  constructor(
    private readonly reason: string,
    readonly baseTopic: string,
  ) {
    this.state = { state: 'error', reason };
  }

  onState(listener: (state: ConnectionState) => void): () => void {
    listener(this.state);
    return () => {};
  }

  subscribe(): () => void {
    return () => {};
  }

  async publish(): Promise<void> {
    throw new Error(this.reason);
  }

  async request(): Promise<Record<string, unknown>> {
    throw new Error(this.reason);
  }

  async device(): Promise<undefined> {
    throw new Error(this.reason);
  }
}
