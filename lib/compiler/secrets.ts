/**
 * The two SDS `Secret`s of an mTLS proxy. By default they point at PEM files in the proxy's
 * TLS directory and name it as `watched_directory`, so a certificate rotated on disk (an
 * atomic directory swap, as Kubernetes and the ECS agent do) is picked up with no restart.
 * A control plane that issues certificates itself passes them inline instead; a new
 * certificate is then a new snapshot version, pushed like any other change.
 */
import { SECRET } from './extensions';
import { IDENTITY_SECRET, TRUST_BUNDLE_SECRET } from './names';
import type { EnvoyResource } from './snapshot';

/** PEM material for one proxy, from a control plane that holds the CA (`trellis up`). */
export interface ProxyCertificates {
  readonly certificateChain: string;
  readonly privateKey: string;
  readonly trustBundle: string;
}

export const DEFAULT_TLS_DIRECTORY = '/etc/trellis/tls';

export function mtlsSecrets(directory: string, inline: ProxyCertificates | undefined): EnvoyResource[] {
  const file = (name: string) => ({ filename: `${directory.replace(/\/$/, '')}/${name}` });
  const watched = inline ? {} : { watched_directory: { path: directory } };
  return [
    {
      '@type': SECRET,
      name: IDENTITY_SECRET,
      tls_certificate: {
        certificate_chain: inline ? { inline_string: inline.certificateChain } : file('cert.pem'),
        private_key: inline ? { inline_string: inline.privateKey } : file('key.pem'),
        ...watched,
      },
    },
    {
      '@type': SECRET,
      name: TRUST_BUNDLE_SECRET,
      validation_context: {
        trusted_ca: inline ? { inline_string: inline.trustBundle } : file('ca.pem'),
        ...watched,
      },
    },
  ];
}
