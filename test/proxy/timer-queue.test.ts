import { TimerQueue, timerQueue } from '../../proxy-image/src/event/timer-queue';

describe('TimerQueue (fake clock)', () => {
  beforeEach(() => jest.useFakeTimers());
  afterEach(() => jest.useRealTimers());

  it('fires each timer once, its duration after it started, in the order they started', () => {
    const q = new TimerQueue(100);
    const fired: string[] = [];
    q.start(() => fired.push('a'));
    jest.advanceTimersByTime(30);
    q.start(() => fired.push('b'));
    jest.advanceTimersByTime(68);
    expect(fired).toEqual([]);
    jest.advanceTimersByTime(2);
    expect(fired).toEqual(['a']);
    jest.advanceTimersByTime(29);
    expect(fired).toEqual(['a']);
    jest.advanceTimersByTime(1);
    expect(fired).toEqual(['a', 'b']);
    jest.advanceTimersByTime(1000);
    expect(fired).toEqual(['a', 'b']);
  });

  it('a cancelled timer never fires; cancelling twice or after firing is harmless', () => {
    const q = new TimerQueue(50);
    const fired: string[] = [];
    const a = q.start(() => fired.push('a'));
    const b = q.start(() => fired.push('b'));
    const c = q.start(() => fired.push('c'));
    b.cancel();
    b.cancel();
    jest.advanceTimersByTime(50);
    expect(fired).toEqual(['a', 'c']);
    a.cancel();
    c.cancel();
    // Every timer cancelled: the one wake-up left finds nothing and none is armed after it.
    const d = q.start(() => fired.push('d'));
    d.cancel();
    jest.advanceTimersByTime(50);
    expect(fired).toEqual(['a', 'c']);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('refresh starts the duration again and keeps the queue in deadline order', () => {
    const q = new TimerQueue(100);
    const fired: string[] = [];
    const a = q.start(() => fired.push('a'));
    jest.advanceTimersByTime(10);
    q.start(() => fired.push('b'));
    jest.advanceTimersByTime(80);
    a.refresh();
    jest.advanceTimersByTime(20);
    expect(fired).toEqual(['b']);
    jest.advanceTimersByTime(80);
    expect(fired).toEqual(['b', 'a']);
    // A timer that fired can be refreshed into a new period (as Node's timeout.refresh()).
    a.refresh();
    jest.advanceTimersByTime(100);
    expect(fired).toEqual(['b', 'a', 'a']);
  });

  it('one Node timer per queue, however many timers are pending', () => {
    const q = new TimerQueue(100);
    let n = 0;
    for (let i = 0; i < 1000; i++) q.start(() => n++);
    expect(jest.getTimerCount()).toBe(1);
    jest.advanceTimersByTime(100);
    expect(n).toBe(1000);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('a timer started from a callback of the same queue fires a full duration later', () => {
    const q = new TimerQueue(40);
    const fired: number[] = [];
    q.start(() => {
      fired.push(Date.now());
      q.start(() => fired.push(Date.now()));
    });
    const t0 = Date.now();
    jest.advanceTimersByTime(200);
    expect(fired.map((t) => t - t0)).toEqual([40, 80]);
    expect(jest.getTimerCount()).toBe(0);
  });

  it('durations past Node timer limit are reached in several wake-ups, not fired at once', () => {
    const days30 = 30 * 24 * 3600 * 1000;
    const q = new TimerQueue(days30);
    let fired = false;
    q.start(() => {
      fired = true;
    });
    jest.advanceTimersByTime(2 ** 31);
    expect(fired).toBe(false);
    jest.advanceTimersByTime(days30 - 2 ** 31);
    expect(fired).toBe(true);
  });
});

describe('timerQueue', () => {
  it('shares one queue per duration, and refuses durations that are not positive', () => {
    expect(timerQueue(1234)).toBe(timerQueue(1234));
    expect(timerQueue(1234)).not.toBe(timerQueue(1235));
    expect(() => new TimerQueue(0)).toThrow('timer duration must be positive, got 0');
    expect(() => new TimerQueue(Number.NaN)).toThrow('timer duration must be positive');
  });

  it('stops sharing past 64 durations, so a peer naming many cannot grow the map', () => {
    const kept = Array.from({ length: 100 }, (_, i) => [timerQueue(10_000 + i), timerQueue(10_000 + i)] as const);
    expect(kept.filter(([a, b]) => a !== b).length).toBeGreaterThan(0);
    // Those shared stay shared.
    expect(timerQueue(1234)).toBe(timerQueue(1234));
  });

  it('fires on the real clock, not before its duration', async () => {
    const q = new TimerQueue(30);
    const started = performance.now();
    const elapsed = await new Promise<number>((resolve) => q.start(() => resolve(performance.now() - started)));
    // Node's clock is in whole milliseconds: a timer may come up to 1 ms short of the hrtime.
    expect(elapsed).toBeGreaterThanOrEqual(29);
  });
});
