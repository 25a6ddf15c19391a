import type { Priority } from '@gridlink/protocol';
import type { QuarantinedDetail } from '../uplink/outbox.js';
import type { LinkState } from '../uplink/sender.js';
import type { UplinkModule } from '../uplink/uplink-module.js';
import { BadRequest, ConsoleProblem, type ConsoleRoute, json, readJson } from './http-kit.js';

/** The outbox as the console shows it: read from the gateway's own disk, so it answers with the cloud down. */
export type ConsoleOutbox =
  | { enabled: false }
  | {
      enabled: true;
      depth: Record<Priority, number>;
      /** Age (ms) of the oldest waiting event of each class, null when none waits. */
      oldestAgeMs: Record<Priority, number | null>;
      link: LinkState;
      lastError: string | null;
      sent: number;
      quarantined: QuarantinedDetail[];
    };

export interface OutboxRoutesOptions {
  /** The uplink, when `uplink.enabled`; the routes stay listed either way. */
  uplink: () => UplinkModule | undefined;
  now: () => number;
}

/**
 * The outbox page's API: depth and age by class, the link, and the events the cloud refused
 * (quarantined) with its error, which an installer sends again or discards with a reason.
 */
export function outboxRoutes(options: OutboxRoutesOptions): ConsoleRoute[] {
  const uplinkOf = () => {
    const uplink = options.uplink();
    if (!uplink)
      throw new ConsoleProblem(409, 'GL_UPLINK_DISABLED', 'the uplink is off (uplink.enabled): there is no outbox');
    return uplink;
  };
  const seqOf = (raw: string | undefined) => {
    const seq = Number(raw);
    if (!Number.isSafeInteger(seq) || seq <= 0)
      throw new BadRequest(`seq: expected a quarantined event's number, received "${(raw ?? '').slice(0, 40)}"`);
    return seq;
  };
  const find = (uplink: UplinkModule, seq: number) => {
    const event = uplink.outbox.quarantinedDetails(Number.MAX_SAFE_INTEGER).find((candidate) => candidate.seq === seq);
    if (!event)
      throw new ConsoleProblem(404, 'GL_NOT_FOUND', `seq: no quarantined event ${seq} (already resent or discarded?)`);
    return event;
  };

  const status = (): ConsoleOutbox => {
    const uplink = options.uplink();
    if (!uplink) return { enabled: false };
    const { outbox, sender } = uplink.stats();
    const now = options.now();
    const age = (at: number | null) => (at === null ? null : Math.max(0, now - at));
    return {
      enabled: true,
      depth: outbox.depth,
      oldestAgeMs: {
        alarm: age(outbox.oldest.alarm),
        state: age(outbox.oldest.state),
        telemetry: age(outbox.oldest.telemetry),
      },
      link: sender.link,
      lastError: sender.lastError,
      sent: sender.sent,
      quarantined: uplink.outbox.quarantinedDetails(),
    };
  };

  return [
    {
      method: 'GET',
      pattern: /^\/api\/console\/outbox$/,
      change: false,
      handle: ({ res }) => json(res, 200, status()),
    },
    {
      method: 'POST',
      pattern: /^\/api\/console\/outbox\/quarantine\/([^/]+)\/resend$/,
      change: true,
      handle: ({ res, params, audit }) => {
        const seq = seqOf(params[0]);
        const uplink = uplinkOf();
        const event = find(uplink, seq);
        // The event keeps its id: if the cloud stored it after all, it answers "duplicate" and files nothing twice.
        const resent = uplink.resend([seq]);
        audit('outbox.resend', event.id, `${event.type} (${event.priority}): ${event.error}`.slice(0, 300));
        json(res, 200, { resent, outbox: status() });
      },
    },
    {
      method: 'POST',
      pattern: /^\/api\/console\/outbox\/quarantine\/([^/]+)\/discard$/,
      change: true,
      handle: async ({ req, res, params, audit }) => {
        const seq = seqOf(params[0]);
        const body = await readJson(req);
        const reason = typeof body.reason === 'string' ? body.reason.trim() : '';
        if (reason.length < 4) {
          throw new BadRequest(
            'reason: say why this event is given up (at least 4 characters); it goes in the audit log',
          );
        }
        const uplink = uplinkOf();
        const event = find(uplink, seq);
        uplink.outbox.discard(seq);
        audit('outbox.discard', event.id, `${reason.slice(0, 200)} — ${event.type} (${event.priority})`);
        json(res, 200, { outbox: status() });
      },
    },
  ];
}
