/**
 * The field failure the gateway's overload guard exists for (gateway/src/broker/overload/): a QoS0
 * flood with a slow subscriber, then both disconnect. Bare aedes 1.2.0 drains the emitter's backlog
 * recursively and dies of a stack overflow; the hardened broker drains it as a loop. Whether one run
 * of bare aedes crashes depends on how deep the backlog gets, which depends on how fast this machine
 * lets the publisher refill it — so this is a figure (crashes out of N runs, each side), printed here,
 * not a test that could fail by chance. The hardened side's survival is specified by
 * gateway/src/broker/overload/overload.test.ts.
 *
 *   npm run bench broker-overload-crash        (RUNS=5 by default)
 */
import { floodThenDisconnect } from '@gridlink/gateway/broker-overload';

const RUNS = Number(process.env.RUNS ?? 5);
const FLOOD_MS = 3000;

async function attempt(mode: 'bare' | 'hardened') {
  const { broker, sent, disconnectedAt, cleanup } = await floodThenDisconnect(mode, FLOOD_MS);
  try {
    const exit = await Promise.race([
      broker.exited,
      new Promise<undefined>((r) => setTimeout(() => r(undefined), 3000)),
    ]);
    const backlog = broker.samples.find((sample) => sample.disconnected === 'slow-subscriber')?.emitterBacklog;
    const overflow = broker.stderr().includes('RangeError: Maximum call stack size exceeded');
    return {
      crashed: exit !== undefined,
      overflow,
      sent,
      backlog,
      diedAfterMs: exit ? exit.at - disconnectedAt : undefined,
    };
  } finally {
    cleanup();
  }
}

for (const mode of ['bare', 'hardened'] as const) {
  let crashes = 0;
  for (let run = 1; run <= RUNS; run++) {
    const result = await attempt(mode);
    if (result.crashed) crashes++;
    console.log(
      `${mode.padEnd(8)} run ${run}: ${result.crashed ? `CRASHED${result.overflow ? ' (stack overflow)' : ''} ${result.diedAfterMs} ms after the disconnect` : 'survived'}; ` +
        `${result.sent} messages in ${FLOOD_MS} ms, emitter backlog ${result.backlog ?? '?'} when the subscriber left`,
    );
  }
  console.log(`${mode}: ${crashes} of ${RUNS} runs crashed`);
}
