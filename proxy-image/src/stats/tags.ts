/**
 * Envoy's default tag extraction, used for the Prometheus output: the cluster name, the
 * connection manager's stat prefix, the listener address and response codes leave the metric
 * name and become labels (`envoy_cluster_upstream_rq{envoy_cluster_name="a",envoy_response_code="200"}`).
 * A subset of Envoy's `TagNames` rules: the ones for stats this proxy emits.
 */

export interface TaggedName {
  readonly name: string;
  readonly tags: ReadonlyArray<readonly [string, string]>;
}

interface Rule {
  readonly tag: string;
  /** Group 1 is removed from the name; group 2 is the tag value. */
  readonly re: RegExp;
}

const RULES: readonly Rule[] = [
  { tag: 'envoy_response_code', re: /_rq(_(\d{3}))$/ },
  { tag: 'envoy_response_code_class', re: /_rq(_(\d)xx)$/ },
  { tag: 'envoy_http_conn_manager_prefix', re: /^http\.((.*?)\.)/ },
  { tag: 'envoy_listener_address', re: /^listener\.(((?:[_.\d]*|[_[\]a-fA-F\d]*))\.)/ },
  { tag: 'envoy_tcp_prefix', re: /^tcp\.((.*?)\.)/ },
  { tag: 'envoy_cluster_name', re: /^cluster\.((.*?)\.)/ },
];

export function extractTags(name: string): TaggedName {
  let rest = name;
  const tags: Array<readonly [string, string]> = [];
  for (const rule of RULES) {
    const m = rule.re.exec(rest);
    if (!m) continue;
    tags.push([rule.tag, m[2]]);
    rest = rest.slice(0, m.index + m[0].indexOf(m[1])) + rest.slice(m.index + m[0].indexOf(m[1]) + m[1].length);
  }
  return { name: rest, tags };
}

/** A Prometheus metric name: `envoy_` plus the name with every other character made `_`. */
export function prometheusName(name: string): string {
  return `envoy_${name.replace(/[^a-zA-Z0-9_]/g, '_')}`;
}
