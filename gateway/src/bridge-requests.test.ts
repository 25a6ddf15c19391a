import { BRIDGE_COMMANDS, type BridgeResponse } from '@gridlink/protocol';
import { Aedes } from 'aedes';
import { afterEach, describe, expect, it } from 'vitest';
import { answerBridgeRequests } from './bridge-requests.js';
import { Publisher } from './publisher.js';

const brokers: Aedes[] = [];
afterEach(async () => {
  await Promise.all(brokers.splice(0).map((aedes) => new Promise<void>((resolve) => aedes.close(() => resolve()))));
});

/** Asks one command on an in-process broker and returns the response published for it. */
async function ask(command: string, body: string): Promise<{ response: BridgeResponse; resent: unknown[] }> {
  const aedes = await Aedes.createBroker();
  brokers.push(aedes);
  const resent: unknown[] = [];
  await answerBridgeRequests(aedes, new Publisher(aedes), 'gridlink', {
    'outbox/resend': ({ seqs }) => {
      resent.push(seqs);
      return { resent: seqs?.length ?? 3 };
    },
  });
  const response = new Promise<BridgeResponse>((resolve) =>
    aedes.subscribe(
      `gridlink/bridge/response/${command}`,
      (packet, done) => {
        resolve(JSON.parse(packet.payload.toString()));
        done();
      },
      () =>
        aedes.publish(
          {
            cmd: 'publish',
            topic: `gridlink/bridge/request/${command}`,
            payload: Buffer.from(body),
            qos: 0,
            retain: false,
            dup: false,
          },
          () => {},
        ),
    ),
  );
  return { response: await response, resent };
}

describe('bridge requests', () => {
  it('hand the handler a request parsed by its command schema, and answer with the matching transaction', async () => {
    const { response, resent } = await ask('outbox/resend', '{"transaction":"t-7","seqs":[4,9]}');
    expect(resent).toEqual([[4, 9]]);
    expect(response).toEqual({ status: 'ok', data: { resent: 2 }, transaction: 't-7' });
    expect(BRIDGE_COMMANDS['outbox/resend'].response.parse(response.data)).toEqual({ resent: 2 });
  });

  it('refuse a request that does not match its command, naming the field, without calling the handler', async () => {
    const { response, resent } = await ask('outbox/resend', '{"transaction":"t-8","seqs":"all"}');
    expect(resent).toEqual([]);
    expect(response).toMatchObject({ status: 'error', transaction: 't-8' });
    expect(response.error).toMatch(/^gridlink\/bridge\/request\/outbox\/resend: seqs: expected array/);
  });

  it('answer a body that is not JSON with an error, without a transaction', async () => {
    const { response } = await ask('outbox/resend', 'resend everything');
    expect(response).toMatchObject({ status: 'error', data: {} });
    expect(response.error).toContain('expected a JSON object');
    expect(response.transaction).toBeUndefined();
  });
});
