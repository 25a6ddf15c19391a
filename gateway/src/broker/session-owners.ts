import type { Aedes, Client } from 'aedes';
import type { Principal } from './principal.js';

/** One key per principal: a device and a service account can never share one. */
export const principalKey = (principal: Principal): string =>
  principal.type === 'device' ? `device:${principal.device.id}` : `service:${principal.username}`;

/**
 * Which principal each MQTT session belongs to. A session (its saved subscriptions and queued
 * messages, kept under the client id) is only ever resumed or taken over by the principal that
 * made it: another principal connecting with the same client id is refused before aedes would
 * close the live connection or hand over the stored session. Client ids are already partitioned
 * (a device's is its id, a service's starts with `svc-<username>`), but two service usernames
 * such as `a` and `a-b` could both claim `svc-a-b-1`; this settles it.
 */
export class SessionOwners {
  /** Owners of sessions that outlive their connection (clean = false). */
  private readonly stored = new Map<string, string>();

  constructor(
    private readonly aedes: () => Aedes,
    private readonly principalOf: (client: Client) => Principal | undefined,
  ) {}

  /** The principal that holds `clientId` now (live connection, else stored session), if any. */
  ownerOf(clientId: string): string | undefined {
    const live = (this.aedes() as unknown as { clients: Record<string, Client | undefined> }).clients[clientId];
    const principal = live ? this.principalOf(live) : undefined;
    return principal ? principalKey(principal) : this.stored.get(clientId);
  }

  /** Whether `principal` may connect as `clientId` without touching another principal's session. */
  mayClaim(clientId: string, principal: Principal): boolean {
    const owner = this.ownerOf(clientId);
    return owner === undefined || owner === principalKey(principal);
  }

  /** Records the owner of a session that is kept after its connection ends. */
  claimed(client: Client, principal: Principal): void {
    if (client.clean) this.stored.delete(client.id);
    else this.stored.set(client.id, principalKey(principal));
  }
}
