import { createTopics, validateDeviceMessage } from '@gridlink/protocol';
import type { Publisher } from '../publisher.js';
import type { DeviceRecord } from './directory.js';

export type CommandOutcome = { ok: true; topic: string } | { ok: false; error: string };

/**
 * A command to a device on the normal path: to an active device only, checked against its kind's
 * profile exactly as the broker checks what devices publish, then on `<base>/<id>/set` at QoS 1.
 * The console sends through here; the error names the field and what the profile allows.
 */
export async function sendDeviceCommand(
  publisher: Publisher,
  baseTopic: string,
  device: DeviceRecord | undefined,
  command: unknown,
): Promise<CommandOutcome> {
  if (device?.status !== 'active')
    return { ok: false, error: 'the device is not active: a retired device takes no commands' };
  const topic = createTopics(baseTopic).deviceSet(device.id);
  const checked = validateDeviceMessage({
    topic,
    payload: JSON.stringify(command),
    kind: device.kind,
    base: baseTopic,
  });
  if (!checked.ok) return { ok: false, error: checked.error.message };
  await publisher.publish(topic, command, { qos: 1 });
  return { ok: true, topic };
}
