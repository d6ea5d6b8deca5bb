/**
 * X-Ray pieces without a network: the trace header round trip, sampling-rule globs, the
 * reservoir per second, and manifest errors that name the field.
 */
import { globMatch, parseSamplingManifest, Sampler } from '../../proxy-image/src/tracing/sampling-rules';
import { formatTraceHeader, parseTraceHeader } from '../../proxy-image/src/tracing/trace-header';
import { parseDaemonAddress } from '../../proxy-image/src/tracing/xray-config';

test('trace header: parsed and re-parented, unknown keys kept, bad roots dropped', () => {
  const h = parseTraceHeader('Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=?;Lineage=a:1');
  expect(h).toEqual({
    root: '1-5759e988-bd862e3fe1be46a994272793',
    parent: '53995c3f42cd8ad8',
    sampled: undefined,
    extra: ['Lineage=a:1'],
  });
  expect(formatTraceHeader(h.root!, '0123456789abcdef', true, h.extra)).toBe(
    'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=0123456789abcdef;Sampled=1;Lineage=a:1',
  );
  expect(parseTraceHeader('Root=nonsense;Parent=53995c3f42cd8ad8;Sampled=0')).toEqual({
    root: undefined,
    parent: undefined,
    sampled: false,
    extra: [],
  });
  expect(parseTraceHeader(undefined).root).toBeUndefined();
});

test('rule globs: * and ?, case-insensitive, regex characters literal', () => {
  expect(globMatch('*', 'anything')).toBe(true);
  expect(globMatch('/api/*', '/api/orders/1')).toBe(true);
  expect(globMatch('/api/?', '/api/12')).toBe(false);
  expect(globMatch('GET', 'get')).toBe(true);
  expect(globMatch('a.b', 'axb')).toBe(false);
});

test('the first matching rule decides; each has its own reservoir per second', () => {
  const manifest = parseSamplingManifest(
    JSON.stringify({
      version: 2,
      rules: [{ host: '*', http_method: 'POST', url_path: '/orders*', fixed_target: 2, rate: 0 }],
      default: { fixed_target: 0, rate: 0 },
    }),
    'm',
  );
  const s = new Sampler(manifest, () => 0.99);
  const at = 1_700_000_000_000;
  expect([1, 2, 3].map(() => s.shouldSample('h', 'POST', '/orders/1', at))).toEqual([true, true, false]);
  expect(s.shouldSample('h', 'GET', '/orders/1', at)).toBe(false);
  // A new second refills the reservoir.
  expect(s.shouldSample('h', 'POST', '/orders', at + 1000)).toBe(true);
  // Past the reservoir, the rate decides.
  const half = new Sampler(parseSamplingManifest('{"default":{"fixed_target":0,"rate":0.5}}', 'm'), () => 0.4);
  expect(half.shouldSample('h', 'GET', '/', at)).toBe(true);
});

test('manifest and daemon address errors name the field', () => {
  expect(() => parseSamplingManifest('{', 'tracing.sampling_rule_manifest')).toThrow(
    /^tracing\.sampling_rule_manifest: sampling rules are not JSON/,
  );
  expect(() => parseSamplingManifest('{"rules":[]}', 'm')).toThrow('m.default: is required');
  expect(() => parseSamplingManifest('{"default":{"rate":2}}', 'm')).toThrow('m.default.rate: must be between 0 and 1');
  expect(() => parseSamplingManifest('{"default":{},"rules":[{"fixed_target":-1}]}', 'm')).toThrow(
    'm.rules[0].fixed_target: must be a whole number',
  );
  expect(parseDaemonAddress('tcp:10.0.0.1:2000 udp:10.0.0.2:2001', 'X')).toEqual({ address: '10.0.0.2', port: 2001 });
  expect(parseDaemonAddress('127.0.0.1:2000', 'X')).toEqual({ address: '127.0.0.1', port: 2000 });
  expect(() => parseDaemonAddress('nowhere', 'AWS_XRAY_DAEMON_ADDRESS')).toThrow(
    'AWS_XRAY_DAEMON_ADDRESS: "nowhere" is not a host:port address',
  );
});
