/**
 * TLS transport sockets for mTLS between proxies. Both sides take their certificate and
 * trust bundle by SDS name; the peer's SPIFFE ID (its certificate's URI SAN) is what is
 * checked, never its DNS name: a caller expects exactly the version its cluster targets,
 * a server admits any identity of the trust domain and leaves the rest to authorization.
 */
import type { MtlsModel, PrincipalModel } from '../model/model';
import type { Protocol } from '../model/primitives';
import { DOWNSTREAM_TLS_CONTEXT, UPSTREAM_TLS_CONTEXT } from './extensions';
import { IDENTITY_SECRET, TRUST_BUNDLE_SECRET } from './names';

type Json = Record<string, unknown>;
const ADS = { ads: {}, resource_api_version: 'V3' };

function sanMatcher(p: PrincipalModel): Json {
  return { san_type: 'URI', matcher: 'exact' in p ? { exact: p.exact } : { prefix: p.prefix } };
}

function commonTlsContext(mtls: MtlsModel, peers: PrincipalModel, alpn: readonly string[]): Json {
  return {
    tls_params: { tls_minimum_protocol_version: mtls.minimumProtocolVersion, tls_maximum_protocol_version: 'TLSv1_3' },
    tls_certificate_sds_secret_configs: [{ name: IDENTITY_SECRET, sds_config: ADS }],
    combined_validation_context: {
      default_validation_context: { match_typed_subject_alt_names: [sanMatcher(peers)] },
      validation_context_sds_secret_config: { name: TRUST_BUNDLE_SECRET, sds_config: ADS },
    },
    alpn_protocols: alpn,
  };
}

export function upstreamMtls(mtls: MtlsModel, peer: string, protocol: Protocol): Json {
  const alpn = protocol === 'tcp' ? [] : protocol === 'http' ? ['http/1.1'] : ['h2'];
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: { '@type': UPSTREAM_TLS_CONTEXT, common_tls_context: commonTlsContext(mtls, { exact: peer }, alpn) },
  };
}

export function downstreamMtls(mtls: MtlsModel, protocol: Protocol): Json {
  const alpn = protocol === 'tcp' ? [] : ['h2', 'http/1.1'];
  return {
    name: 'envoy.transport_sockets.tls',
    typed_config: {
      '@type': DOWNSTREAM_TLS_CONTEXT,
      require_client_certificate: true,
      common_tls_context: commonTlsContext(mtls, { prefix: `spiffe://${mtls.trustDomain}/` }, alpn),
    },
  };
}
