/**
 * The EMF sink's intervals, on a real stats store: a response that lands in an interval with no
 * new request to its cluster (a slow response, or the next requests going elsewhere) still
 * counts its status class and time in that interval, and an interval with nothing at all writes
 * nothing.
 */
import { EmfSink } from '../../proxy-image/src/stats/emf-sink';
import { StatsStore } from '../../proxy-image/src/stats/store';
import { parseEmf } from '../support/emf';

function sink() {
  const store = new StatsStore();
  const lines: string[] = [];
  const emf = new EmfSink(store, { intervalMs: 1000, namespace: 'Test', service: 'web', write: (l) => lines.push(l) });
  const stat = (name: string) => store.counter(`cluster.a.${name}`);
  return { store, lines, emf, stat, metrics: () => parseEmf(lines.join('\n')) };
}

const value = (m: ReturnType<typeof parseEmf>, name: string) =>
  m.filter((x) => x.name === name).reduce((n, x) => n + x.value, 0);

test('a response counted in the interval after its request', () => {
  const { store, lines, emf, stat, metrics } = sink();
  stat('upstream_rq_total').inc();
  emf.flush();
  expect(value(metrics(), 'RequestCount')).toBe(1);
  expect(value(metrics(), 'HTTPCode_Target_5XX_Count')).toBe(0);

  stat('upstream_rq_5xx').inc();
  store.histogram('cluster.a.upstream_rq_time').record(250);
  emf.flush();
  expect(lines).toHaveLength(2);
  expect(value(metrics(), 'RequestCount')).toBe(1);
  expect(value(metrics(), 'HTTPCode_Target_5XX_Count')).toBe(1);
  expect(value(metrics(), 'TargetResponseTime_p99')).toBeGreaterThanOrEqual(200);

  emf.flush();
  expect(lines).toHaveLength(2);
});
