import { wallClockMs } from '../../proxy-image/src/event/wall-clock';

describe('wallClockMs', () => {
  it('agrees with Date.now() for a monotonic reading', () => {
    const mono = performance.now();
    expect(Math.abs(wallClockMs(mono) - Date.now())).toBeLessThan(50);
    expect(wallClockMs(mono + 10_000) - wallClockMs(mono)).toBeCloseTo(10_000, 0);
  });
});
