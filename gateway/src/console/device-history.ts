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

/** How many of a device's entries the memory bound dropped before their turn (the page says so). */
export interface DroppedEntries {
  messages: number;
  deadLetters: number;
  availability: number;
}

/** What a device's page shows of its recent past, newest first. */
export interface DeviceActivity {
  messages: RecentMessage[];
  deadLetters: RecentDeadLetter[];
  availability: AvailabilityEntry[];
  /** Entries dropped, oldest first, because the device's or all devices' history was over its bytes. */
  dropped: DroppedEntries;
}

export interface DeviceHistoryLimits {
  /** Entries kept per device (a ring each). */
  messages: number;
  deadLetters: number;
  availability: number;
  /** Approximate bytes of one device's entries, all three lists together. */
  deviceBytes: number;
  /** Approximate bytes of every device's entries together. */
  totalBytes: number;
}

/**
 * At 2,000 devices a full 30 messages each would be ~10 MB of heap, dead letters and availability
 * changes besides; a flood of large invalid payloads could fill a device's 20 dead letters with
 * 16 KiB each. The byte bounds keep the whole history to a few MB whatever the devices send:
 * when they bind, a device's page shows fewer entries and how many were dropped.
 */
export const DEFAULT_HISTORY_LIMITS: DeviceHistoryLimits = {
  messages: 30,
  deadLetters: 20,
  availability: 50,
  deviceBytes: 16_384,
  totalBytes: 4_194_304,
};
const BODY_LENGTH = 1000;
/**
 * What an entry costs on the heap besides its text, as a heap snapshot shows it: the object (88
 * bytes), its time (a 16-byte number: milliseconds since 1970 are too large for a small integer)
 * and its slots in its device's list and in the queue of all entries, with their spare room. The
 * text goes when the entry is dropped; this stays until the entry leaves the queue too.
 */
const ENTRY_BYTES = 136;
/** A string's header; its characters are then rounded up to 8 bytes. */
const STRING_BYTES = 16;

type ListName = keyof DroppedEntries;
type RecordedDevice = RecordedMessage['device'];

/** One entry of a device's lists; kept compact (numbers, one string per field) as thousands are held. */
interface Entry {
  /** Milliseconds since the epoch. */
  at: number;
  /** Approximate bytes of its text, let go when it is dropped (the entry itself costs ENTRY_BYTES more). */
  cost: number;
  owner: Stored;
  list: ListName;
  /** Dropped from its device's list already (the queue of all entries skips it). */
  gone: boolean;
}
interface MessageEntry extends Entry {
  list: 'messages';
  /** Shared by a device's messages while its registry entry does not change. */
  device: RecordedDevice;
  /** `state`, `availability` or the event's type (the topic is built again when read). */
  type: string;
  /** The payload as JSON: one flat string instead of an object tree. */
  body: string;
}
interface DeadLetterEntry extends Entry {
  list: 'deadLetters';
  topic: string;
  error: string;
}
interface AvailabilityEntryStored extends Entry {
  list: 'availability';
  state: AvailabilityChange['state'];
  reason: AvailabilityChange['reason'];
}

interface Stored {
  messages: MessageEntry[];
  deadLetters: DeadLetterEntry[];
  availability: AvailabilityEntryStored[];
  bytes: number;
  dropped: DroppedEntries;
  /** The device as its latest message recorded it, and that as a comparable key. */
  device?: { record: RecordedDevice; key: string };
}

/** A string's bytes on the heap: one byte a character when every one fits in a byte, else two. */
const stringBytes = (text: string) => {
  const bytes = /[\u0100-\uffff]/.test(text) ? text.length * 2 : text.length;
  return STRING_BYTES + ((bytes + 7) & ~7);
};

/**
 * The same text as one flat string. JSON.stringify and `+` build longer strings as trees of parts
 * (V8 ropes), three or more objects each: thousands of kept ones would cost twice their length.
 */
const flat = (text: string): string => Buffer.from(text).toString();

/**
 * Each device's recent messages, dead letters and availability changes, for its page and for the
 * rules' dry run. Memory is bounded three times: a fixed ring per device, bytes per device and bytes
 * for all devices (the oldest entry goes first, wherever it is); devices come only as the bus knows
 * them (registered ones; the broker refuses the rest). Kept in memory: after a restart a page starts
 * from the new messages (the registry and the liveness tracker hold what must survive).
 */
export class DeviceHistory {
  private readonly devices = new Map<string, Stored>();
  private readonly limits: DeviceHistoryLimits;
  private readonly topics;
  /**
   * Every entry in arrival order, oldest at `head`, so the total bound drops the oldest anywhere
   * (slots before `head` are emptied as they are passed).
   */
  private queue: Array<Entry | undefined> = [];
  private head = 0;
  /** Entries in `queue` already dropped from their device's list (compacted when they are many). */
  private goneInQueue = 0;
  private totalBytes = 0;

  constructor(
    private readonly bus: GatewayBus,
    readonly baseTopic: string,
    limits: Partial<DeviceHistoryLimits> = {},
  ) {
    this.limits = { ...DEFAULT_HISTORY_LIMITS, ...limits };
    this.topics = createTopics(baseTopic);
  }

  /** Approximate bytes held by every device's entries (never above `totalBytes`), and how many they are. */
  stats(): { bytes: number; entries: number; queued: number } {
    return {
      bytes: this.totalBytes,
      entries: this.queue.length - this.head - this.goneInQueue,
      queued: this.queue.length,
    };
  }

  attach(): () => void {
    const onMessage = ({ device, message, receivedAt }: NormalisedMessage) => {
      let type: string;
      let payload: Record<string, unknown>;
      if (message.type === 'state') {
        type = 'state';
        payload = message.state;
      } else if (message.type === 'event') {
        type = message.eventType;
        payload = message.payload;
      } else if (message.type === 'availability') {
        type = 'availability';
        payload = { state: message.state };
      } else return;
      const stored = this.of(device.id);
      const body = flat(JSON.stringify(payload));
      this.add(stored, {
        list: 'messages',
        at: receivedAt,
        cost: stringBytes(body),
        owner: stored,
        gone: false,
        device: this.deviceOf(stored, device),
        type,
        body,
      });
    };
    const onInvalid = ({ device, topic, error, receivedAt }: InvalidMessage) => {
      const stored = this.of(device.id);
      this.add(stored, {
        list: 'deadLetters',
        at: receivedAt,
        cost: stringBytes(topic) + stringBytes(error),
        owner: stored,
        gone: false,
        topic: flat(topic),
        error: flat(error),
      });
    };
    const onAvailability = ({ device, state, reason, at }: AvailabilityChange) => {
      const stored = this.of(device.id);
      this.add(stored, { list: 'availability', at, cost: 0, owner: stored, gone: false, state, reason });
    };
    this.bus.on('message', onMessage).on('invalid', onInvalid).on('availability', onAvailability);
    return () => {
      this.bus.off('message', onMessage).off('invalid', onInvalid).off('availability', onAvailability);
    };
  }

  /** A device's activity, newest first. */
  activity(id: string): DeviceActivity {
    const stored = this.devices.get(id);
    if (!stored) {
      return {
        messages: [],
        deadLetters: [],
        availability: [],
        dropped: { messages: 0, deadLetters: 0, availability: 0 },
      };
    }
    return {
      messages: stored.messages.toReversed().map((entry) => ({
        at: toTimestamp(entry.at),
        type: entry.type,
        body: entry.body.slice(0, BODY_LENGTH),
      })),
      deadLetters: stored.deadLetters
        .toReversed()
        .map(({ at, topic, error }) => ({ at: toTimestamp(at), topic, error })),
      availability: stored.availability
        .toReversed()
        .map(({ at, state, reason }) => ({ at: toTimestamp(at), state, reason })),
      dropped: { ...stored.dropped },
    };
  }

  /** A device's recorded messages, oldest first, as `rules test` replays them. */
  recorded(id: string): RecordedMessage[] {
    return (this.devices.get(id)?.messages ?? []).map((entry) => ({
      at: toTimestamp(entry.at),
      device: entry.device,
      topic: this.topicOf(id, entry.type),
      payload: JSON.parse(entry.body) as Record<string, unknown>,
    }));
  }

  /** The devices with recorded messages, how many each and when last, most recently heard first. */
  summary(): Array<{ id: string; count: number; last: string }> {
    return [...this.devices.entries()]
      .flatMap(([id, stored]) => {
        const last = stored.messages.at(-1);
        return last ? [{ id, count: stored.messages.length, at: last.at }] : [];
      })
      .sort((a, b) => b.at - a.at)
      .map(({ id, count, at }) => ({ id, count, last: toTimestamp(at) }));
  }

  /** The topic a recorded message came on, from its type. */
  private topicOf(id: string, type: string): string {
    if (type === 'state') return this.topics.deviceState(id);
    if (type === 'availability') return this.topics.deviceAvailability(id);
    return this.topics.deviceEvent(id, type);
  }

  /** The device as rules see it, the same object for as long as its registry entry stays the same. */
  private deviceOf(stored: Stored, device: NormalisedMessage['device']): RecordedDevice {
    const record: RecordedDevice = {
      id: device.id,
      kind: device.kind,
      ...(device.place ? { place: device.place } : {}),
      ...(device.tags?.length ? { tags: device.tags } : {}),
    };
    const key = JSON.stringify(record);
    if (stored.device?.key !== key) stored.device = { record, key };
    return stored.device.record;
  }

  private add(stored: Stored, entry: MessageEntry | DeadLetterEntry | AvailabilityEntryStored): void {
    (stored[entry.list] as Entry[]).push(entry);
    stored.bytes += ENTRY_BYTES + entry.cost;
    this.totalBytes += ENTRY_BYTES + entry.cost;
    this.queue.push(entry);
    // The ring first (expected, not counted), then the device's bytes, then everyone's.
    if (stored[entry.list].length > this.limits[entry.list]) this.drop(stored, entry.list, false);
    while (stored.bytes > this.limits.deviceBytes && this.dropOldestOf(stored)) {}
    while (this.totalBytes > this.limits.totalBytes && this.head < this.queue.length) {
      const oldest = this.queue[this.head] as Entry;
      this.queue[this.head++] = undefined;
      // The oldest entry of all is the oldest of its device's list: lists grow in arrival order.
      if (!oldest.gone) this.drop(oldest.owner, oldest.list, true);
      // It has left the queue: the rest of what it held goes.
      this.goneInQueue--;
      this.totalBytes -= ENTRY_BYTES;
    }
    this.compact();
  }

  /** Drops the oldest of a device's entries, whichever list it is in; false when it has none. */
  private dropOldestOf(stored: Stored): boolean {
    let oldest: ListName | undefined;
    for (const list of ['messages', 'deadLetters', 'availability'] as const) {
      const first = stored[list][0];
      if (first && (oldest === undefined || first.at < (stored[oldest][0] as Entry).at)) oldest = list;
    }
    if (oldest === undefined) return false;
    this.drop(stored, oldest, true);
    return true;
  }

  private drop(stored: Stored, list: ListName, counted: boolean): void {
    const entry = (stored[list] as Array<MessageEntry | DeadLetterEntry | AvailabilityEntryStored>).shift();
    if (!entry) return;
    // The queue of all entries may hold it a while yet (until passed or compacted): its text goes
    // now, the entry itself stays counted in the total until it leaves the queue.
    if (entry.list === 'messages') entry.body = '';
    else if (entry.list === 'deadLetters') entry.topic = entry.error = '';
    stored.bytes -= ENTRY_BYTES + entry.cost;
    this.totalBytes -= entry.cost;
    if (counted) stored.dropped[list]++;
    if (!entry.gone) {
      entry.gone = true;
      this.goneInQueue++;
    }
  }

  /** Forgets the queue's dropped entries once they are most of it, so it stays as long as the history. */
  private compact(): void {
    const waiting = this.queue.length - this.head;
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head);
      this.head = 0;
    }
    if (this.goneInQueue > 1024 && this.goneInQueue * 2 > waiting) {
      this.queue = this.queue.slice(this.head).filter((entry) => !entry?.gone);
      this.head = 0;
      this.totalBytes -= this.goneInQueue * ENTRY_BYTES;
      this.goneInQueue = 0;
    }
  }

  private of(id: string): Stored {
    let stored = this.devices.get(id);
    if (!stored) {
      stored = {
        messages: [],
        deadLetters: [],
        availability: [],
        bytes: 0,
        dropped: { messages: 0, deadLetters: 0, availability: 0 },
      };
      this.devices.set(id, stored);
    }
    return stored;
  }
}
