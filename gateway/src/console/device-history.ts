import { createTopics, toTimestamp } from '@gridlink/protocol';
import type { GatewayBus, InvalidMessage, NormalisedMessage } from '../bus.js';
import type { AvailabilityChange } from '../liveness/tracker.js';
import type { RecordedMessage } from '../rules/replay.js';

/** A message the device sent, as its page lists it. */
export interface RecentMessage {
  at: string;
  type: string;
  /** The payload as JSON, cut to a page-sized length. */
  body: string;
}

/** A message the gateway refused, with the exact validation error (as on `bridge/dead_letter/<id>`). */
export interface RecentDeadLetter {
  at: string;
  topic: string;
  error: string;
}

export interface AvailabilityEntry {
  at: string;
  state: AvailabilityChange['state'];
  reason: AvailabilityChange['reason'];
}

/** What a device's page shows of its recent past, newest first. */
export interface DeviceActivity {
  messages: RecentMessage[];
  deadLetters: RecentDeadLetter[];
  availability: AvailabilityEntry[];
}

export interface DeviceHistoryLimits {
  messages: number;
  deadLetters: number;
  availability: number;
}

const DEFAULT_LIMITS: DeviceHistoryLimits = { messages: 30, deadLetters: 20, availability: 50 };
const BODY_LENGTH = 1000;

/** A fixed-size list: the oldest entry goes when a new one comes. */
function push<T>(list: T[], entry: T, limit: number): void {
  list.push(entry);
  if (list.length > limit) list.splice(0, list.length - limit);
}

interface Stored {
  /** Recorded as `rules test` reads them: the device's page and the rules' dry run share them. */
  messages: RecordedMessage[];
  deadLetters: RecentDeadLetter[];
  availability: AvailabilityEntry[];
}

/**
 * Each device's recent messages, dead letters and availability changes, for its page and for the
 * rules' dry run. Memory is bounded twice: a fixed ring per device, and devices only as the bus
 * knows them (registered ones; the broker refuses the rest). Kept in memory: after a restart a page
 * starts from the new messages (the registry and the liveness tracker hold what must survive).
 */
export class DeviceHistory {
  private readonly devices = new Map<string, Stored>();
  private readonly limits: DeviceHistoryLimits;
  private readonly topics;

  constructor(
    private readonly bus: GatewayBus,
    readonly baseTopic: string,
    limits: Partial<DeviceHistoryLimits> = {},
  ) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    this.topics = createTopics(baseTopic);
  }

  attach(): () => void {
    const onMessage = ({ device, message, receivedAt }: NormalisedMessage) => {
      let topic: string;
      let payload: Record<string, unknown>;
      if (message.type === 'state') {
        topic = this.topics.deviceState(device.id);
        payload = message.state;
      } else if (message.type === 'event') {
        topic = this.topics.deviceEvent(device.id, message.eventType);
        payload = message.payload;
      } else if (message.type === 'availability') {
        topic = this.topics.deviceAvailability(device.id);
        payload = { state: message.state };
      } else return;
      const recorded: RecordedMessage = {
        at: toTimestamp(receivedAt),
        device: {
          id: device.id,
          kind: device.kind,
          ...(device.place ? { place: device.place } : {}),
          ...(device.tags?.length ? { tags: device.tags } : {}),
        },
        topic,
        payload,
      };
      push(this.of(device.id).messages, recorded, this.limits.messages);
    };
    const onInvalid = ({ device, topic, error, receivedAt }: InvalidMessage) => {
      push(
        this.of(device.id).deadLetters,
        { at: new Date(receivedAt).toISOString(), topic, error },
        this.limits.deadLetters,
      );
    };
    const onAvailability = ({ device, state, reason, at }: AvailabilityChange) => {
      push(
        this.of(device.id).availability,
        { at: new Date(at).toISOString(), state, reason },
        this.limits.availability,
      );
    };
    this.bus.on('message', onMessage).on('invalid', onInvalid).on('availability', onAvailability);
    return () => {
      this.bus.off('message', onMessage).off('invalid', onInvalid).off('availability', onAvailability);
    };
  }

  /** A device's activity, newest first. */
  activity(id: string): DeviceActivity {
    const stored = this.devices.get(id);
    if (!stored) return { messages: [], deadLetters: [], availability: [] };
    return {
      messages: stored.messages.toReversed().map((recorded) => ({
        at: recorded.at,
        type: this.typeOf(recorded.topic),
        body: JSON.stringify(recorded.payload).slice(0, BODY_LENGTH),
      })),
      deadLetters: stored.deadLetters.toReversed(),
      availability: stored.availability.toReversed(),
    };
  }

  /** A device's recorded messages, oldest first, as `rules test` replays them. */
  recorded(id: string): RecordedMessage[] {
    return [...(this.devices.get(id)?.messages ?? [])];
  }

  /** The devices with recorded messages, how many each and when last, most recently heard first. */
  summary(): Array<{ id: string; count: number; last: string }> {
    return [...this.devices.entries()]
      .filter(([, stored]) => stored.messages.length > 0)
      .map(([id, stored]) => ({ id, count: stored.messages.length, last: stored.messages.at(-1)?.at ?? '' }))
      .sort((a, b) => b.last.localeCompare(a.last));
  }

  /** `state`, `availability` or the event's type, from a recorded topic. */
  private typeOf(topic: string): string {
    const rest = topic.slice(this.baseTopic.length + 1).split('/');
    if (rest[1] === 'event') return rest.slice(2).join('/');
    return rest[1] ?? 'state';
  }

  private of(id: string): Stored {
    let activity = this.devices.get(id);
    if (!activity) {
      activity = { messages: [], deadLetters: [], availability: [] };
      this.devices.set(id, activity);
    }
    return activity;
  }
}
