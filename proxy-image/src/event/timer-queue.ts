/**
 * Timers that share one duration, kept in deadline order behind a single Node timer (the way
 * Envoy's scaled timer manager keeps one queue per duration). Every request arms a route timeout
 * and a stream idle timeout and almost always finishes long before either: with Node's own timers
 * each one is a Timeout object, a timer list created and deleted as it empties, a priority queue
 * insert and removal and at times a call into libuv. Here arming is an append, cancelling an
 * unlink, and the Node timer is touched only when the earliest deadline actually comes.
 *
 * Deadlines of one duration are armed in time order, so appending keeps the queue sorted and the
 * head is always the next to expire. A queue whose timers were all cancelled wakes once, finds
 * nothing due, and stops.
 */

/** Node timers can fire this much before the hrtime deadline (libuv's clock is in whole ms). */
const EARLY_MS = 1;
/** Node's longest timer; a later deadline is reached in several wake-ups. */
const MAX_WAIT_MS = 2 ** 31 - 1;

export class QueuedTimer {
  /** @internal */ prev: QueuedTimer | undefined;
  /** @internal */ next: QueuedTimer | undefined;
  /** @internal */ deadline = 0;
  /** @internal */ queued = false;

  constructor(
    private readonly queue: TimerQueue,
    /** @internal */ readonly onTimeout: () => void,
  ) {}

  /** Starts the duration again from now (Node's `timeout.refresh()`). */
  refresh(): void {
    this.queue.rearm(this);
  }

  /** The timer will not fire. Safe to call more than once, or after it fired. */
  cancel(): void {
    this.queue.remove(this);
  }
}

export class TimerQueue {
  private head: QueuedTimer | undefined;
  private tail: QueuedTimer | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(readonly durationMs: number) {
    if (!(durationMs > 0)) throw new RangeError(`timer duration must be positive, got ${durationMs}`);
  }

  /** A timer that calls `onTimeout` once, `durationMs` from now, unless cancelled first. */
  start(onTimeout: () => void): QueuedTimer {
    const t = new QueuedTimer(this, onTimeout);
    this.append(t);
    return t;
  }

  /** @internal */
  rearm(t: QueuedTimer): void {
    this.remove(t);
    this.append(t);
  }

  /** @internal */
  remove(t: QueuedTimer): void {
    if (!t.queued) return;
    t.queued = false;
    if (t.prev) t.prev.next = t.next;
    else this.head = t.next;
    if (t.next) t.next.prev = t.prev;
    else this.tail = t.prev;
    t.prev = t.next = undefined;
  }

  private append(t: QueuedTimer): void {
    t.deadline = performance.now() + this.durationMs;
    t.queued = true;
    t.prev = this.tail;
    if (this.tail) this.tail.next = t;
    else this.head = t;
    this.tail = t;
    // A pending wake-up is never later than this deadline: it was set for an earlier one.
    if (!this.timer) this.wakeIn(this.durationMs);
  }

  private wakeIn(ms: number): void {
    this.timer = setTimeout(() => this.expire(), Math.min(MAX_WAIT_MS, Math.max(1, Math.ceil(ms))));
    // Whatever the timers guard (a socket, a request) keeps the process alive on its own.
    this.timer.unref();
  }

  private expire(): void {
    this.timer = undefined;
    const now = performance.now();
    let t = this.head;
    while (t && t.deadline - EARLY_MS <= now) {
      this.remove(t);
      t.onTimeout();
      t = this.head;
    }
    // A callback that started a timer of this duration has armed the wake-up already.
    if (t && !this.timer) this.wakeIn(t.deadline - now);
  }
}

const queues = new Map<number, TimerQueue>();
/** Past this many durations, a new one gets a queue of its own, not kept (see timerQueue). */
const MAX_SHARED_QUEUES = 64;

/**
 * The process's queue for `durationMs`, kept as long as the process. Durations come from
 * configuration (route, idle and per-try timeouts), so there are few. An upstream's
 * `Keep-Alive: timeout=N` can name others: beyond MAX_SHARED_QUEUES each caller gets an unshared
 * queue, correct but without the saving, so no peer can make the map grow without bound.
 */
export function timerQueue(durationMs: number): TimerQueue {
  let q = queues.get(durationMs);
  if (!q) {
    q = new TimerQueue(durationMs);
    if (queues.size < MAX_SHARED_QUEUES) queues.set(durationMs, q);
  }
  return q;
}
