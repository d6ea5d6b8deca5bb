import { Type } from 'protobufjs';
import {
  CLUSTER_TYPE_URL,
  ENDPOINT_TYPE_URL,
  LISTENER_TYPE_URL,
  loadEnvoySchema,
  RESOURCE_TYPE_URLS,
  ROUTE_TYPE_URL,
  releaseEnvoySchema,
  releaseEnvoySchemaWhenIdle,
  resourceKindOf,
  SECRET_TYPE_URL,
  typeNameOf,
  typeUrl,
  validateJson,
} from '../../lib/envoy';

describe('Envoy schema', () => {
  const schema = loadEnvoySchema();

  it('loads files lazily: only what the asked-for types need', () => {
    // GIVEN a fresh process (jest gives each test file its own module registry)
    const before = schema.root.files.length;
    // WHEN one resource type is resolved
    expect(schema.lookupType(CLUSTER_TYPE_URL)).toBeInstanceOf(Type);
    // THEN its imports are loaded, far from the ~450 loadable files
    const after = schema.root.files.length;
    expect(after).toBeGreaterThan(before);
    expect(after).toBeLessThan(200);
    // Reported, not asserted: timings on a shared machine say little.
    console.info(`schema: ${after} files, ${schema.loadMillis.toFixed(0)} ms scanning and parsing`);
  });

  it.each([
    'type.googleapis.com/envoy.config.listener.v3.Listener',
    'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
    'envoy.extensions.filters.http.router.v3.Router',
    'envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext',
    'envoy.extensions.filters.http.rbac.v3.RBAC',
    'envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication',
    'envoy.extensions.access_loggers.file.v3.FileAccessLog',
    'xds.type.v3.TypedStruct',
    'udpa.type.v1.TypedStruct',
    'envoy.config.bootstrap.v3.Bootstrap',
    'envoy.service.discovery.v3.DiscoveryRequest',
    'envoy.service.discovery.v3.DiscoveryResponse',
    'envoy.service.discovery.v3.DeltaDiscoveryRequest',
    'envoy.service.discovery.v3.DeltaDiscoveryResponse',
    'envoy.config.cluster.v3.Cluster.CommonLbConfig',
    'google.protobuf.Duration',
    'google.protobuf.Struct',
    'google.rpc.Status',
  ])('resolves %s', (name) => {
    const type = schema.lookupType(name);
    expect(type).toBeInstanceOf(Type);
    expect(type!.fullName).toBe(`.${typeNameOf(name)}`);
  });

  it('resolves the xDS resource type URLs', () => {
    for (const url of [LISTENER_TYPE_URL, ROUTE_TYPE_URL, CLUSTER_TYPE_URL, ENDPOINT_TYPE_URL, SECRET_TYPE_URL]) {
      expect(schema.lookupType(url)?.fullName).toBe(`.${url.slice('type.googleapis.com/'.length)}`);
    }
    expect(typeUrl('.envoy.config.cluster.v3.Cluster')).toBe(CLUSTER_TYPE_URL);
    expect(resourceKindOf(ENDPOINT_TYPE_URL)).toBe('endpoints');
    expect(resourceKindOf('type.googleapis.com/envoy.config.route.v3.VirtualHost')).toBeUndefined();
    expect(Object.keys(RESOURCE_TYPE_URLS)).toEqual(['clusters', 'endpoints', 'listeners', 'routes', 'secrets']);
  });

  it('resolves services for gRPC', () => {
    const ads = schema.lookupService('envoy.service.discovery.v3.AggregatedDiscoveryService');
    expect(ads?.methodsArray.map((m) => m.name).sort()).toEqual([
      'DeltaAggregatedResources',
      'StreamAggregatedResources',
    ]);
  });

  it('says why a type is unavailable', () => {
    expect(schema.lookupType('envoy.config.nope.v3.Nope')).toBeUndefined();
    expect(schema.whyUnavailable('envoy.config.nope.v3.Nope')).toMatch(/unknown type envoy\.config\.nope\.v3\.Nope/);
    // The OpenCensus tracer's proto imports opencensus protos that @grpc/grpc-js-xds does not ship.
    expect(schema.lookupType('envoy.config.trace.v3.OpenCensusConfig')).toBeUndefined();
    expect(schema.whyUnavailable('envoy.config.trace.v3.OpenCensusConfig')).toMatch(
      /opencensus\.proto imports opencensus\/proto\/trace\/v1\/trace_config\.proto, which is not shipped/,
    );
    expect(() => schema.requireType('envoy.config.nope.v3.Nope')).toThrow(/unknown type/);
  });

  it('can load every loadable file, and types stay the same objects', () => {
    const cluster = schema.lookupType(CLUSTER_TYPE_URL);
    schema.loadAll();
    expect(schema.root.files.length).toBeGreaterThan(400);
    expect(schema.lookupType(CLUSTER_TYPE_URL)).toBe(cluster);
    expect(schema.lookupType('envoy.extensions.filters.http.lua.v3.Lua')).toBeInstanceOf(Type);
  });
});

describe('releasing the schema', () => {
  afterEach(() => {
    releaseEnvoySchemaWhenIdle(0);
    jest.useRealTimers();
  });

  it('lets it go and loads it again on the next use, checking as strictly as before', () => {
    const first = loadEnvoySchema();
    expect(validateJson(CLUSTER_TYPE_URL, { name: 'c', lb_polcy: 'RANDOM' })).toEqual([
      expect.objectContaining({ path: 'lb_polcy', reason: expect.stringMatching(/unknown field/) }),
    ]);
    expect(releaseEnvoySchema()).toBe(true);
    expect(releaseEnvoySchema()).toBe(false);
    const second = loadEnvoySchema();
    expect(second).not.toBe(first);
    expect(second.root.files.length).toBeLessThan(first.root.files.length);
    expect(validateJson(CLUSTER_TYPE_URL, { name: 'c', lb_polcy: 'RANDOM' })).toEqual([
      expect.objectContaining({ path: 'lb_polcy', reason: expect.stringMatching(/unknown field/) }),
    ]);
    expect(validateJson(CLUSTER_TYPE_URL, { name: 'c', lb_policy: 'RANDOM' })).toEqual([]);
  });

  it('when idle: kept while in use, let go one to two periods after its last use, once per load', () => {
    jest.useFakeTimers();
    const onRelease = jest.fn();
    const schema = loadEnvoySchema();
    releaseEnvoySchemaWhenIdle(1000, onRelease);
    for (let i = 0; i < 5; i++) {
      jest.advanceTimersByTime(900);
      expect(loadEnvoySchema()).toBe(schema);
    }
    expect(onRelease).not.toHaveBeenCalled();
    jest.advanceTimersByTime(2000);
    expect(onRelease).toHaveBeenCalledTimes(1);
    jest.advanceTimersByTime(5000);
    expect(onRelease).toHaveBeenCalledTimes(1);
    const again = loadEnvoySchema();
    expect(again).not.toBe(schema);
    jest.advanceTimersByTime(2000);
    expect(onRelease).toHaveBeenCalledTimes(2);
    releaseEnvoySchemaWhenIdle(0);
    loadEnvoySchema();
    jest.advanceTimersByTime(5000);
    expect(onRelease).toHaveBeenCalledTimes(2);
  });
});
