import { type BridgeResponse, createTopics } from '@gridlink/protocol';
import type { Aedes } from 'aedes';
import type { Publisher } from './publisher.js';

/** Answers one `bridge/request/<command>`; a thrown error becomes `{"status":"error","error":…}`. */
export type BridgeRequestHandler = (request: Record<string, unknown>) => Record<string, unknown>;

/**
 * Zigbee2MQTT-style request/response: `<base>/bridge/request/<command>` → `<base>/bridge/response/<command>`,
 * matched by the request's `transaction`. Who may ask is the broker's ACL (installers).
 */
export async function answerBridgeRequests(
  aedes: Aedes,
  publisher: Publisher,
  baseTopic: string,
  handlers: Record<string, BridgeRequestHandler>,
): Promise<void> {
  const topics = createTopics(baseTopic);
  for (const [command, handler] of Object.entries(handlers)) {
    await new Promise<void>((resolve) =>
      aedes.subscribe(
        topics.bridgeRequest(command),
        (packet, done) => {
          let request: Record<string, unknown> = {};
          try {
            const body: unknown = JSON.parse(packet.payload.toString() || '{}');
            if (typeof body === 'object' && body !== null && !Array.isArray(body))
              request = body as Record<string, unknown>;
          } catch {
            // A request without a readable body still gets an answer, without a transaction.
          }
          const transaction = typeof request.transaction === 'string' ? { transaction: request.transaction } : {};
          let response: BridgeResponse;
          try {
            response = { status: 'ok', data: handler(request), ...transaction };
          } catch (err) {
            response = { status: 'error', data: {}, error: (err as Error).message, ...transaction };
          }
          void publisher.publish(topics.bridgeResponse(command), response);
          done();
        },
        resolve,
      ),
    );
  }
}
