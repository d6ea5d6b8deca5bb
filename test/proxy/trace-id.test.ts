/** The ids the proxy generates: x-request-id as a version 4 UUID, X-Amzn-Trace-Id as X-Ray's. */
import { newRequestId, newTraceId } from '../../proxy-image/src/http/trace-id';

const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test('request ids are distinct version 4 UUIDs', () => {
  const ids = Array.from({ length: 1000 }, () => newRequestId());
  for (const id of ids) expect(id).toMatch(UUID_V4);
  expect(new Set(ids).size).toBe(ids.length);
});

test('trace ids carry the epoch second and 96 random bits', () => {
  const at = Date.UTC(2026, 10, 23, 12, 0, 0);
  expect(newTraceId(at)).toMatch(new RegExp(`^Root=1-${(at / 1000).toString(16)}-[0-9a-f]{24}$`));
});
