import { randomBytes } from 'node:crypto';
import type { NotificationMessage, TopicFilter } from './topics.js';

interface PullWaiter {
  /** Answers the pending PullMessages with what is queued (possibly nothing). */
  finish(): void;
  /** Drops the pending PullMessages without answering (connection gone, camera rebooting). */
  cancel(): void;
}

export interface Subscription {
  readonly id: string;
  readonly kind: 'pullpoint' | 'push';
  /** Real-clock ms after which the subscription no longer exists. */
  expiresAt: number;
  readonly filter: TopicFilter;
  /** Push only: the consumer's Notify endpoint. */
  readonly consumer?: string;
  readonly queue: NotificationMessage[];
  waiter?: PullWaiter;
  delivery: Promise<void>;
}

/** Queue bound per pull point; real cameras bound theirs too and drop the oldest events. */
const MAX_QUEUED_MESSAGES = 1000;

export interface SubscriptionStoreOptions {
  now: () => number;
  /** Sends messages to a push subscription's consumer (wsnt:Notify). Resolves when the POST is done. */
  notify: (subscription: Subscription, messages: NotificationMessage[]) => Promise<void>;
}

/** The camera's live subscriptions: pull points with their queues and long-polls, and push subscriptions. */
export class SubscriptionStore {
  private readonly byId = new Map<string, Subscription>();
  private sequence = 0;
  private notifying = 0;
  /** Events dropped because a pull point's queue was full. */
  droppedMessages = 0;

  constructor(private readonly options: SubscriptionStoreOptions) {}

  create(kind: 'pullpoint' | 'push', filter: TopicFilter, lifetimeMs: number, consumer?: string): Subscription {
    this.sequence += 1;
    const subscription: Subscription = {
      id: `${this.sequence}-${randomBytes(6).toString('hex')}`,
      kind,
      expiresAt: this.options.now() + lifetimeMs,
      filter,
      queue: [],
      delivery: Promise.resolve(),
      ...(consumer ? { consumer } : {}),
    };
    this.byId.set(subscription.id, subscription);
    return subscription;
  }

  /** The live subscription with this id; expired ones are removed on the way. */
  get(id: string): Subscription | undefined {
    this.expire();
    return this.byId.get(id);
  }

  live(): Subscription[] {
    this.expire();
    return [...this.byId.values()];
  }

  remove(id: string): void {
    const subscription = this.byId.get(id);
    subscription?.waiter?.finish();
    this.byId.delete(id);
  }

  /** Forgets every subscription without telling anyone (a reboot that loses them). */
  clear(): void {
    for (const subscription of this.byId.values()) subscription.waiter?.cancel();
    this.byId.clear();
  }

  /** Drops pending long-polls without answering (their connections are being closed). */
  cancelWaiters(): void {
    for (const subscription of this.byId.values()) subscription.waiter?.cancel();
  }

  pendingPulls(): number {
    return [...this.byId.values()].filter((subscription) => subscription.waiter !== undefined).length;
  }

  /** Push deliveries (Notify) raised and not yet answered or failed. */
  pendingNotifies(): number {
    return this.notifying;
  }

  /** Delivers messages to every live subscription whose filter selects their topic. */
  publish(messages: NotificationMessage[]): void {
    for (const subscription of this.live()) this.deliver(subscription, messages);
  }

  deliver(subscription: Subscription, messages: NotificationMessage[]): void {
    const selected = messages.filter((message) => subscription.filter.has(message.topic));
    if (selected.length === 0) return;
    if (subscription.kind === 'push') {
      this.notifying += 1;
      subscription.delivery = subscription.delivery
        .then(() => this.options.notify(subscription, selected))
        // A consumer that is down misses the event, as with a real camera; later events still go out in order.
        .catch(() => undefined)
        .finally(() => {
          this.notifying -= 1;
        });
      return;
    }
    subscription.queue.push(...selected);
    const overflow = subscription.queue.length - MAX_QUEUED_MESSAGES;
    if (overflow > 0) {
      subscription.queue.splice(0, overflow);
      this.droppedMessages += overflow;
    }
    // Answer a waiting PullMessages on the next turn, so events raised together arrive together.
    const waiter = subscription.waiter;
    if (waiter) setImmediate(() => waiter.finish());
  }

  /**
   * PullMessages: queued messages at once, else waits up to `timeoutMs` for the first one.
   * Resolves undefined when the wait was cancelled; a newer PullMessages answers the older one empty.
   */
  pull(subscription: Subscription, timeoutMs: number, limit: number): Promise<NotificationMessage[] | undefined> {
    if (subscription.queue.length > 0) return Promise.resolve(subscription.queue.splice(0, limit));
    subscription.waiter?.finish();
    return new Promise((resolve) => {
      let settled = false;
      const settle = (result: NotificationMessage[] | undefined) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        if (subscription.waiter === waiter) subscription.waiter = undefined;
        resolve(result);
      };
      const waiter: PullWaiter = {
        finish: () => settle(subscription.queue.splice(0, limit)),
        cancel: () => settle(undefined),
      };
      const timer = setTimeout(waiter.finish, timeoutMs);
      subscription.waiter = waiter;
    });
  }

  /** Puts messages back at the head of the queue (their response could not be written). */
  requeue(subscription: Subscription, messages: NotificationMessage[]): void {
    subscription.queue.unshift(...messages);
  }

  private expire(): void {
    const now = this.options.now();
    for (const [id, subscription] of this.byId) {
      if (subscription.expiresAt <= now) {
        subscription.waiter?.finish();
        this.byId.delete(id);
      }
    }
  }
}
