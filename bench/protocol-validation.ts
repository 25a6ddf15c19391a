/**
 * How fast the protocol validates device messages: the per-message cost every gateway publish pays.
 * Prints messages/s per message shape, and the ratio against JSON.parse alone (the floor) measured in
 * the same run.
 */
import { performance } from 'node:perf_hooks';
import { validateDeviceMessage } from '@gridlink/protocol';

const cases = [
  {
    name: 'smoke_detector state',
    kind: 'smoke_detector',
    topic: 'gridlink/smoke-b3-u2-0401',
    payload: '{"smoke":false,"smoke_density":0.02,"temperature":21.5,"battery":88,"rssi":-87}',
  },
  {
    name: 'access_control event',
    kind: 'access_control',
    topic: 'gridlink/ac-b3-u2/event/access',
    payload: '{"ts":"2026-11-25T14:52:18.646Z","method":"card","result":"granted","credential_ref":"c-7f3a9e"}',
  },
  {
    name: 'gas_detector event (invalid)',
    kind: 'gas_detector',
    topic: 'gridlink/gas-1/event/alarm',
    payload: '{"ts":"2026-11-25T14:52:18.646Z","gas_lel":"high"}',
  },
] as const;

const ROUNDS = 200_000;

function rate(fn: () => void): number {
  for (let i = 0; i < 10_000; i++) fn(); // warm up the JIT
  const start = performance.now();
  for (let i = 0; i < ROUNDS; i++) fn();
  return ROUNDS / ((performance.now() - start) / 1000);
}

console.log(`protocol validation, ${ROUNDS.toLocaleString('en')} messages per case, Node ${process.version}`);
for (const c of cases) {
  const floor = rate(() => JSON.parse(c.payload));
  const full = rate(() => validateDeviceMessage({ topic: c.topic, payload: c.payload, kind: c.kind }));
  console.log(
    `  ${c.name.padEnd(30)} ${Math.round(full).toLocaleString('en').padStart(10)} msg/s   (JSON.parse alone ${Math.round(floor).toLocaleString('en')} msg/s, ratio ${(full / floor).toFixed(2)})`,
  );
}
