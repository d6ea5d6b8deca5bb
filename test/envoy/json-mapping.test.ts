import {
  decode,
  decodeAny,
  encode,
  encodeAny,
  type JsonValue,
  toProtobufjsObject,
  validateJson,
} from '../../lib/envoy';

// The protobuf JSON mapping (https://protobuf.dev/programming-guides/json/), checked on small
// messages from Envoy's API and on the well-known types themselves.
const reasons = (typeName: string, json: unknown) => validateJson(typeName, json).map((p) => `${p.path}: ${p.reason}`);
const canonical = (typeName: string, json: unknown): JsonValue => decode(typeName, encode(typeName, json));

describe('google.protobuf.Duration', () => {
  const D = 'google.protobuf.Duration';

  it.each([
    ['1s', '1s'],
    ['1.5s', '1.500s'],
    ['0.000001s', '0.000001s'],
    ['0.000000001s', '0.000000001s'],
    ['-0.5s', '-0.500s'],
    ['-1.25s', '-1.250s'],
    ['-0s', '0s'],
    ['315576000000s', '315576000000s'],
    ['0.0s', '0s'],
  ])('%s reads and prints as %s', (input, output) => {
    expect(reasons(D, input)).toEqual([]);
    expect(canonical(D, input)).toBe(output);
  });

  it.each(['1', '1.s', '.5s', '1.5 s', 's', '1e3s', '+1s', '1.0000000001s', '315576000001s', '1m', ''])(
    'refuses %j',
    (input) => {
      expect(reasons(D, input)).toHaveLength(1);
    },
  );

  it('refuses numbers and objects', () => {
    expect(reasons(D, 1.5)).toEqual([': expected a duration string such as "1.5s", got 1.5']);
    expect(reasons(D, { seconds: 1 })).toHaveLength(1);
  });
});

describe('google.protobuf.Timestamp', () => {
  const T = 'google.protobuf.Timestamp';

  it.each([
    ['1972-01-01T10:00:20.021Z', '1972-01-01T10:00:20.021Z'],
    ['2024-02-29T23:59:59Z', '2024-02-29T23:59:59Z'],
    ['2024-01-01T01:00:00+01:00', '2024-01-01T00:00:00Z'],
    ['2024-01-01T00:00:00.5-00:30', '2024-01-01T00:30:00.500Z'],
    ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00Z'],
    ['9999-12-31T23:59:59.999999999Z', '9999-12-31T23:59:59.999999999Z'],
    ['1969-12-31T23:59:59.000001Z', '1969-12-31T23:59:59.000001Z'],
  ])('%s reads and prints as %s', (input, output) => {
    expect(reasons(T, input)).toEqual([]);
    expect(canonical(T, input)).toBe(output);
  });

  it.each(['2023-02-29T00:00:00Z', '2024-01-01 00:00:00Z', '2024-01-01T24:00:00Z', '2024-01-01T00:00:00', '1'])(
    'refuses %j',
    (input) => {
      expect(reasons(T, input)).toHaveLength(1);
    },
  );
});

describe('wrappers, Struct, Value, ListValue, FieldMask, Empty', () => {
  it('wrappers are bare values, 64-bit ones as strings', () => {
    expect(canonical('google.protobuf.UInt32Value', 7)).toBe(7);
    expect(canonical('google.protobuf.UInt64Value', 7)).toBe('7');
    expect(canonical('google.protobuf.Int64Value', '-9223372036854775808')).toBe('-9223372036854775808');
    expect(canonical('google.protobuf.UInt64Value', '18446744073709551615')).toBe('18446744073709551615');
    expect(canonical('google.protobuf.BoolValue', false)).toBe(false);
    expect(canonical('google.protobuf.StringValue', '')).toBe('');
    expect(canonical('google.protobuf.BytesValue', 'aGk=')).toBe('aGk=');
    expect(canonical('google.protobuf.DoubleValue', 'NaN')).toBe('NaN');
    expect(canonical('google.protobuf.DoubleValue', '-Infinity')).toBe('-Infinity');
    expect(canonical('google.protobuf.FloatValue', 0.1)).toBe(0.1);
    expect(reasons('google.protobuf.UInt32Value', { value: 1 })).toEqual([
      ': expected an integer for uint32, got an object',
    ]);
    expect(reasons('google.protobuf.UInt64Value', '18446744073709551616')).toEqual([
      ': 18446744073709551616 is out of range for uint64',
    ]);
  });

  it('Struct, Value and ListValue hold any JSON', () => {
    // JSON.parse makes "__proto__" an ordinary key; it must stay one, not become a prototype.
    const doc = JSON.parse('{"a":[1,"two",null,true,{"b":[]}],"c":{},"":-2.5,"__proto__":{"x":1}}');
    const back = canonical('google.protobuf.Struct', doc) as Record<string, unknown>;
    expect(back).toEqual(doc);
    expect(Object.keys(back)).toContain('__proto__');
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(canonical('google.protobuf.Value', null)).toBeNull();
    expect(canonical('google.protobuf.Value', [1, [2]])).toEqual([1, [2]]);
    expect(canonical('google.protobuf.ListValue', [])).toEqual([]);
    expect(reasons('google.protobuf.Struct', [1])).toEqual([
      ': expected an object for google.protobuf.Struct, got an array',
    ]);
  });

  it('FieldMask is a comma-separated list of lowerCamelCase paths', () => {
    expect(canonical('google.protobuf.FieldMask', 'fooBar,baz.quxQuux')).toBe('fooBar,baz.quxQuux');
    expect(toProtobufjsObject('google.protobuf.FieldMask', 'fooBar,baz.quxQuux')).toEqual({
      paths: ['foo_bar', 'baz.qux_quux'],
    });
    expect(reasons('google.protobuf.FieldMask', 'foo_bar')).toHaveLength(1);
  });

  it('Empty is an empty object', () => {
    expect(canonical('google.protobuf.Empty', {})).toEqual({});
    expect(reasons('google.protobuf.Empty', { a: 1 })).toEqual(['a: unknown field "a" in google.protobuf.Empty']);
  });

  it('Any of a well-known type carries "value"', () => {
    const any = { '@type': 'type.googleapis.com/google.protobuf.Duration', value: '2.5s' };
    expect(decodeAny(encodeAny(any))).toEqual({ ...any, value: '2.500s' });
    expect(reasons('google.protobuf.Any', { '@type': any['@type'], seconds: 1 })).toEqual([
      'seconds: unknown field "seconds": an Any holding google.protobuf.Duration has only "value"',
      ': missing "value" for the google.protobuf.Duration inside this Any',
    ]);
    expect(reasons('google.protobuf.Any', { '@type': 'envoy.config.cluster.v3.Cluster' })).toEqual([
      '["@type"]: "envoy.config.cluster.v3.Cluster" is not a type URL (expected type.googleapis.com/<message name>)',
    ]);
  });

  it('Any keeps the type URL it was given, including other hosts', () => {
    const any = { '@type': 'example.com/envoy.extensions.filters.http.router.v3.Router', dynamic_stats: false };
    expect(encodeAny(any).type_url).toBe('example.com/envoy.extensions.filters.http.router.v3.Router');
    expect(decodeAny(encodeAny(any))).toEqual(any);
  });

  it('TypedStruct (xds.type.v3) is an ordinary message with a Struct inside', () => {
    const ts = {
      '@type': 'type.googleapis.com/xds.type.v3.TypedStruct',
      type_url: 'type.googleapis.com/trellis.Custom',
      value: { retries: 3, name: 'x' },
    };
    expect(validateJson('google.protobuf.Any', ts)).toEqual([]);
    expect(decodeAny(encodeAny(ts))).toEqual(ts);
  });
});

describe('scalars, names, maps and oneofs in Envoy messages', () => {
  const SA = 'envoy.config.core.v3.SocketAddress';

  it('accepts both the proto name and the lowerCamelCase json_name, and prints proto names', () => {
    expect(canonical(SA, { address: '127.0.0.1', portValue: 80, resolverName: 'r' })).toEqual({
      address: '127.0.0.1',
      port_value: 80,
      resolver_name: 'r',
    });
    expect(reasons(SA, { address: 'a', port_value: 1, portValue: 2 })).toEqual([
      'portValue: field port_value is given twice (as "port_value" and "portValue")',
    ]);
  });

  it('integers may be numbers or decimal strings, in range', () => {
    expect(canonical(SA, { address: 'a', port_value: '80' })).toEqual({ address: 'a', port_value: 80 });
    expect(reasons(SA, { address: 'a', port_value: 1e3 })).toEqual([]);
    expect(reasons(SA, { address: 'a', port_value: '0x50' })).toEqual([
      'port_value: expected an integer for uint32, got the string "0x50"',
    ]);
    expect(reasons(SA, { address: 'a', port_value: -1 })).toEqual(['port_value: -1 is out of range for uint32']);
    expect(reasons(SA, { address: 'a', port_value: true })).toEqual([
      'port_value: expected an integer for uint32, got boolean true',
    ]);
  });

  it('64-bit integers print as strings and keep all their bits', () => {
    const R = 'envoy.type.v3.Int64Range';
    expect(canonical(R, { start: '-9007199254740993', end: 5 })).toEqual({
      start: '-9007199254740993',
      end: '5',
    });
    expect(reasons(R, { start: 2 ** 53 + 2, end: 1 })).toEqual([
      'start: 9007199254740994 is beyond 2^53, where JSON numbers lose precision; give int64 values as strings',
    ]);
  });

  it('enums read names or numbers and print names', () => {
    const HS = 'envoy.config.endpoint.v3.LbEndpoint';
    expect(canonical(HS, { endpoint_name: 'e', health_status: 2 })).toEqual({
      endpoint_name: 'e',
      health_status: 'UNHEALTHY',
    });
    expect(reasons(HS, { endpoint_name: 'e', health_status: 'unhealthy' })[0]).toMatch(
      /^health_status: unknown value "unhealthy" for enum envoy\.config\.core\.v3\.HealthStatus/,
    );
  });

  it('null means "not set"; null list elements and map values are refused', () => {
    const R = 'envoy.config.route.v3.VirtualHost';
    expect(canonical(R, { name: 'v', domains: ['*'], routes: null, retry_policy: null })).toEqual({
      name: 'v',
      domains: ['*'],
    });
    expect(reasons(R, { name: 'v', domains: ['*', null] })).toEqual(['domains[1]: list elements cannot be null']);
  });

  it('maps with integer keys', () => {
    const MM = 'envoy.extensions.filters.network.dubbo_proxy.v3.MethodMatch';
    const doc = { name: { exact: 'get' }, params_match: { '0': { exact_match: 'a' }, '7': { exact_match: 'b' } } };
    expect(reasons(MM, doc)).toEqual([]);
    expect(canonical(MM, doc)).toEqual(doc);
    expect(reasons(MM, { ...doc, params_match: { x: {} } })).toEqual([
      'params_match["x"]: map key "x": expected an integer for uint32, got the string "x"',
    ]);
  });

  it('bytes are base64, standard or URL-safe, padded or not', () => {
    const DS = 'envoy.config.core.v3.DataSource';
    expect(canonical(DS, { inline_bytes: '-_8' })).toEqual({ inline_bytes: '+/8=' });
    expect(reasons(DS, { inline_bytes: 'a' })).toEqual([
      'inline_bytes: expected base64 (standard or URL-safe) for bytes',
    ]);
    expect(reasons(DS, { inline_bytes: 'ab$=' })).toHaveLength(1);
  });

  it('strings must be valid UTF-8', () => {
    expect(reasons(SA, { address: 'a\ud800b', port_value: 1 })).toEqual([
      'address: string is not valid UTF-8 (it has a lone surrogate)',
    ]);
  });

  it('refuses documents nested deeper than protoc allows', () => {
    let doc: JsonValue = 1;
    for (let i = 0; i < 150; i++) doc = { a: doc };
    const problems = validateJson('google.protobuf.Struct', doc);
    expect(problems).toHaveLength(1);
    expect(problems[0].reason).toMatch(/nested more than 100/);
  });
});

describe('decoding bytes from elsewhere', () => {
  it('refuses malformed protobuf with a clear error', () => {
    expect(() => decode('envoy.config.cluster.v3.Cluster', Uint8Array.from([0x0a, 0x05, 0x61]))).toThrow(
      /^invalid envoy\.config\.cluster\.v3\.Cluster:\n {2}\(root\): malformed protobuf: /,
    );
  });

  it('refuses an Any it cannot expand, naming where it is', () => {
    const bytes = encode('envoy.config.core.v3.TypedExtensionConfig', {
      name: 'x',
      typed_config: { '@type': 'type.googleapis.com/google.protobuf.Empty' },
    });
    // Rewrite the type URL inside the bytes to one of the same length that does not exist.
    const tampered = Buffer.from(bytes).toString('latin1').replace('google.protobuf.Empty', 'google.protobuf.Emptx');
    expect(() => decode('envoy.config.core.v3.TypedExtensionConfig', Buffer.from(tampered, 'latin1'))).toThrow(
      /typed_config: cannot expand Any: unknown type google\.protobuf\.Emptx/,
    );
  });

  it('an unknown type name is a clear error', () => {
    expect(() => validateJson('envoy.config.nope.v3.Nope', {})).toThrow(
      "unknown type envoy.config.nope.v3.Nope: not in Envoy's API",
    );
  });
});
