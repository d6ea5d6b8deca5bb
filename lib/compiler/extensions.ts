/** The Envoy extension types the compiler configures, by their `@type`. */
const t = (name: string) => `type.googleapis.com/${name}`;

export const HTTP_CONNECTION_MANAGER = t(
  'envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager',
);
export const TCP_PROXY = t('envoy.extensions.filters.network.tcp_proxy.v3.TcpProxy');
export const ROUTER = t('envoy.extensions.filters.http.router.v3.Router');
export const HTTP_PROTOCOL_OPTIONS = t('envoy.extensions.upstreams.http.v3.HttpProtocolOptions');
export const FILE_ACCESS_LOG = t('envoy.extensions.access_loggers.file.v3.FileAccessLog');
export const PREVIOUS_HOSTS = t('envoy.extensions.retry.host.previous_hosts.v3.PreviousHostsPredicate');
export const UPSTREAM_TLS_CONTEXT = t('envoy.extensions.transport_sockets.tls.v3.UpstreamTlsContext');
export const TYPED_STRUCT = t('xds.type.v3.TypedStruct');

/** Trellis's body router, carried in Envoy's generic TypedStruct so configs stay schema-valid. */
export const BODY_ROUTER_FILTER = 'trellis.filters.http.body_router';
export const BODY_ROUTER = t('trellis.filters.http.body_router.v1.BodyRouter');
export const DYNAMIC_FORWARD_PROXY_CLUSTER = t('envoy.extensions.clusters.dynamic_forward_proxy.v3.ClusterConfig');
export const DYNAMIC_FORWARD_PROXY_FILTER = t('envoy.extensions.filters.http.dynamic_forward_proxy.v3.FilterConfig');
export const DOWNSTREAM_TLS_CONTEXT = t('envoy.extensions.transport_sockets.tls.v3.DownstreamTlsContext');
export const SECRET = t('envoy.extensions.transport_sockets.tls.v3.Secret');
export const TLS_INSPECTOR = t('envoy.extensions.filters.listener.tls_inspector.v3.TlsInspector');
export const RBAC_HTTP = t('envoy.extensions.filters.http.rbac.v3.RBAC');
export const RBAC_NETWORK = t('envoy.extensions.filters.network.rbac.v3.RBAC');
export const JWT_AUTHN = t('envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication');
export const JWT_PER_ROUTE = t('envoy.extensions.filters.http.jwt_authn.v3.PerRouteConfig');
export const XRAY_CONFIG = t('envoy.config.trace.v3.XRayConfig');
