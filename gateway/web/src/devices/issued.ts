import type { IssuedCredential } from '@gridlink/gateway';
import { shallowRef } from 'vue';

/**
 * Credentials issued in this tab, for the labels page. Held in memory only (never in storage): a
 * reload forgets the passwords, as the gateway itself does once it has answered.
 */
export const issued = shallowRef<IssuedCredential[]>([]);

export function remember(list: IssuedCredential[]): void {
  issued.value = [...issued.value.filter((old) => !list.some((n) => n.device.id === old.device.id)), ...list];
}

export function forget(): void {
  issued.value = [];
}
