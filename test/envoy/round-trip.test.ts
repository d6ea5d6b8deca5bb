import protojson from 'protobufjs/ext/protojson';
import {
  decode,
  decodeAny,
  encode,
  encodeAny,
  type JsonObject,
  loadEnvoySchema,
  typeNameOf,
  validateJson,
} from '../../lib/envoy';
import { fixture, secrets } from './fixtures';

const resources: [string, JsonObject][] = [
  ['Listener with HttpConnectionManager, RDS, RBAC, router, file access log, downstream mTLS', fixture('listener')],
  ['RouteConfiguration with headers, safe_regex, weighted_clusters, retry_policy', fixture('route')],
  ['Cluster with EDS, circuit breakers, outlier detection, health checks, HTTP/2 options', fixture('cluster')],
  ['ClusterLoadAssignment', fixture('endpoints')],
  ['Secret with a TLS certificate', secrets()[0]],
  ['Secret with a SPIFFE validation context', secrets()[1]],
];

function withoutType(resource: JsonObject): [string, JsonObject] {
  const { '@type': url, ...body } = resource;
  return [typeNameOf(url as string), body];
}

describe.each(resources)('%s', (_title, resource) => {
  it('validates clean, as an Any and as its own type (with or without its "@type")', () => {
    const [typeName, body] = withoutType(resource);
    expect(validateJson('google.protobuf.Any', resource)).toEqual([]);
    expect(validateJson(typeName, resource)).toEqual([]);
    expect(validateJson(typeName, body)).toEqual([]);
  });

  it('round-trips through encodeAny / decodeAny unchanged', () => {
    const packed = encodeAny(resource);
    expect(packed.type_url).toBe(resource['@type']);
    expect(packed.value.length).toBeGreaterThan(0);
    expect(decodeAny(packed)).toEqual(resource);
  });

  it('round-trips through encode / decode by type name', () => {
    const [typeName, body] = withoutType(resource);
    const bytes = encode(typeName, resource);
    expect(decode(typeName, bytes)).toEqual(body);
    // Deterministic: the decoded JSON encodes to the very same bytes.
    expect(Buffer.from(encode(typeName, decode(typeName, bytes)))).toEqual(Buffer.from(bytes));
  });

  it('encodes to the same bytes as protobufjs’ own ProtoJSON parser, and reads its output back', () => {
    // protobufjs/ext/protojson is an independent implementation of the JSON mapping.
    const [typeName, body] = withoutType(resource);
    const type = loadEnvoySchema().requireType(typeName);
    const mine = Buffer.from(encode(typeName, body));
    const theirs = Buffer.from(type.encode(protojson.fromJson(type, body)).finish());
    expect(mine).toEqual(theirs);
    const theirJson = protojson.toJson(type, type.decode(mine)); // lowerCamelCase names
    expect(validateJson(typeName, theirJson)).toEqual([]);
    expect(Buffer.from(encode(typeName, theirJson))).toEqual(mine);
  });
});

describe('Bootstrap with static resources and ADS dynamic resources', () => {
  const bootstrap = fixture('bootstrap');
  const BOOTSTRAP = 'envoy.config.bootstrap.v3.Bootstrap';

  it('validates clean and round-trips', () => {
    expect(validateJson(BOOTSTRAP, bootstrap)).toEqual([]);
    expect(decode(BOOTSTRAP, encode(BOOTSTRAP, bootstrap))).toEqual(bootstrap);
  });

  it('agrees with protobufjs’ ProtoJSON parser', () => {
    const type = loadEnvoySchema().requireType(BOOTSTRAP);
    const theirs = Buffer.from(type.encode(protojson.fromJson(type, bootstrap)).finish());
    expect(Buffer.from(encode(BOOTSTRAP, bootstrap))).toEqual(theirs);
  });
});

describe('canonical output', () => {
  it('writes what protoc’s printer writes: proto names, 0/3/6/9 fraction digits, no defaults', () => {
    const CLUSTER = 'envoy.config.cluster.v3.Cluster';
    const input = {
      name: 'c',
      connectTimeout: '1.5s', // lowerCamelCase is accepted, snake_case comes out
      lb_policy: 'ROUND_ROBIN', // the default: left out of the output
      per_connection_buffer_limit_bytes: 0, // a wrapper: present, so kept even at 0
      dns_refresh_rate: '0.02s',
      outlier_detection: { base_ejection_time: '1.000000001s', max_ejection_time_jitter: '0.00001s' },
      load_assignment: {
        cluster_name: 'c',
        endpoints: [
          { lb_endpoints: [{ endpoint: { address: { socket_address: { address: '::1', port_value: 1 } } } }] },
        ],
      },
      common_lb_config: { healthy_panic_threshold: { value: 12.5 } },
      upstream_connection_options: { tcp_keepalive: { keepalive_probes: 3 } },
      max_requests_per_connection: 7,
      wait_for_warm_on_init: false,
    };
    expect(validateJson(CLUSTER, input)).toEqual([]);
    expect(decode(CLUSTER, encode(CLUSTER, input))).toEqual({
      name: 'c',
      connect_timeout: '1.500s',
      per_connection_buffer_limit_bytes: 0,
      dns_refresh_rate: '0.020s',
      outlier_detection: { base_ejection_time: '1.000000001s', max_ejection_time_jitter: '0.000010s' },
      load_assignment: {
        cluster_name: 'c',
        endpoints: [
          { lb_endpoints: [{ endpoint: { address: { socket_address: { address: '::1', port_value: 1 } } } }] },
        ],
      },
      common_lb_config: { healthy_panic_threshold: { value: 12.5 } },
      upstream_connection_options: { tcp_keepalive: { keepalive_probes: 3 } },
      max_requests_per_connection: 7,
      wait_for_warm_on_init: false,
    });
  });
});
