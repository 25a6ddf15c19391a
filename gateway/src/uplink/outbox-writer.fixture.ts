/**
 * Appends events to an outbox as fast as it can, printing each id once `append` has resolved
 * (what the gateway would PUBACK), until it is killed. Used by the kill -9 test.
 */
import { Outbox } from './outbox.js';

const outbox = new Outbox(process.argv[2] ?? 'outbox.db');
let n = 0;
for (;;) {
  const batch = Array.from({ length: 50 }, () => {
    const id = `evt-${n++}`;
    return outbox
      .append({
        specversion: '1.0',
        id,
        source: '/gateways/gw-1/devices/th-1',
        type: 'cn.gridlink.device.state.v1',
        time: '2026-11-25T14:52:18.646Z',
        datacontenttype: 'application/json',
        data: { device_id: 'th-1', device_kind: 'temp_humidity', state: { temperature: 21.5 } },
        gatewayid: 'gw-1',
        deviceid: 'th-1',
        priority: 'state',
      })
      .then(() => id);
  });
  process.stdout.write(`${(await Promise.all(batch)).join('\n')}\n`);
}
