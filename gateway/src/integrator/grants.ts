import type { DeviceRecord, IntegratorGrants } from '../devices/directory.js';

/** Whether an integrator may command `device`: granted by id, or by its kind, and still active. */
export function mayCommand(grants: IntegratorGrants, device: DeviceRecord): boolean {
  return (
    device.status === 'active' &&
    (grants.commandDevices.includes(device.id) || grants.commandKinds.includes(device.kind))
  );
}

/** Whether an integrator may publish as `device` (a third-party sensor it brings in), still active. */
export function mayIngestAs(grants: IntegratorGrants, device: DeviceRecord): boolean {
  return device.status === 'active' && grants.ingestDevices.includes(device.id);
}

/** `command devices: wm-1, wm-2; command kinds: (none); ingest devices: s-1` — for audit rows and the CLI. */
export function describeGrants(grants: IntegratorGrants): string {
  const list = (items: readonly string[]) => (items.length > 0 ? items.join(', ') : '(none)');
  return `command devices: ${list(grants.commandDevices)}; command kinds: ${list(grants.commandKinds)}; ingest devices: ${list(grants.ingestDevices)}`;
}
