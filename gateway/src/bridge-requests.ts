import {
  BRIDGE_COMMANDS,
  type BridgeCommand,
  type BridgeCommandRequest,
  type BridgeCommandResponse,
  type BridgeResponse,
  createTopics,
  parseJsonObject,
  parseWith,
} from '@gridlink/protocol';
import type { Aedes } from 'aedes';
import type { Publisher } from './publisher.js';

/** Answers one command; a thrown error becomes `{"status":"error","error":…}`. */
export type BridgeRequestHandler<C extends BridgeCommand> = (
  request: BridgeCommandRequest<C>,
) => BridgeCommandResponse<C>;
export type BridgeRequestHandlers = { [C in BridgeCommand]?: BridgeRequestHandler<C> };

/**
 * Zigbee2MQTT-style request/response: `<base>/bridge/request/<command>` → `<base>/bridge/response/<command>`,
 * matched by the request's `transaction`. Requests and responses are the typed commands of
 * `BRIDGE_COMMANDS` (protocol); a request that does not match its schema is answered with an error
 * naming the field. Who may ask is the broker's ACL: installers any command, observers and
 * integrators only the read-only ones (READ_ONLY_BRIDGE_COMMANDS).
 */
export async function answerBridgeRequests(
  aedes: Aedes,
  publisher: Publisher,
  baseTopic: string,
  handlers: BridgeRequestHandlers,
): Promise<void> {
  const topics = createTopics(baseTopic);
  for (const command of Object.keys(handlers) as BridgeCommand[]) {
    const topic = topics.bridgeRequest(command);
    await new Promise<void>((resolve) =>
      aedes.subscribe(
        topic,
        (packet, done) => {
          const response = answer(command, handlers, packet.payload.length ? packet.payload : '{}', topic);
          void publisher.publish(topics.bridgeResponse(command), response);
          done();
        },
        resolve,
      ),
    );
  }
}

function answer(
  command: BridgeCommand,
  handlers: BridgeRequestHandlers,
  payload: Uint8Array | string,
  topic: string,
): BridgeResponse {
  const body = parseJsonObject(payload, topic);
  // A request without a readable body still gets an answer, without a transaction.
  const transaction =
    body.ok && typeof body.value.transaction === 'string' ? { transaction: body.value.transaction } : {};
  if (!body.ok) return { status: 'error', data: {}, error: body.error.message, ...transaction };
  const request = parseWith(BRIDGE_COMMANDS[command].request, body.value, topic);
  if (!request.ok) return { status: 'error', data: {}, error: request.error.message, ...transaction };
  const handler = handlers[command] as ((request: unknown) => Record<string, unknown>) | undefined;
  try {
    return { status: 'ok', data: handler?.(request.value) ?? {}, ...transaction };
  } catch (err) {
    return { status: 'error', data: {}, error: (err as Error).message, ...transaction };
  }
}
