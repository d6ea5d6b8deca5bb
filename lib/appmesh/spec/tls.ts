/**
 * App Mesh's TLS shapes: listener TLS (what a node or gateway serves) and client policy TLS
 * (what it expects of backends). Read fully so malformed input is caught; the mapper turns
 * them into the mesh-wide mTLS mode (mapper/mtls.ts).
 */
import type {
  ClientPolicy,
  ClientPolicyTls,
  ClientTlsCertificate,
  ListenerTls,
  ListenerTlsAcmCertificate,
  ListenerTlsCertificate,
  ListenerTlsFileCertificate,
  ListenerTlsSdsCertificate,
  ListenerTlsValidationContext,
  ListenerTlsValidationContextTrust,
  SubjectAlternativeNameMatchers,
  SubjectAlternativeNames,
  TlsValidationContext,
  TlsValidationContextAcmTrust,
  TlsValidationContextFileTrust,
  TlsValidationContextSdsTrust,
  TlsValidationContextTrust,
  VirtualGatewayClientPolicy,
  VirtualGatewayClientPolicyTls,
  VirtualGatewayClientTlsCertificate,
  VirtualGatewayListenerTls,
  VirtualGatewayListenerTlsCertificate,
  VirtualGatewayListenerTlsValidationContext,
  VirtualGatewayListenerTlsValidationContextTrust,
  VirtualGatewayTlsValidationContext,
  VirtualGatewayTlsValidationContextTrust,
} from '@aws-sdk/client-app-mesh';
import { z } from 'zod';
import { bool, oneOf, port, shape, text } from './shape';

const tlsMode = z.enum(['STRICT', 'PERMISSIVE', 'DISABLED']);

const fileCertificate = shape<ListenerTlsFileCertificate>()({ certificateChain: text, privateKey: text });
const sdsCertificate = shape<ListenerTlsSdsCertificate>()({ secretName: text });
const acmCertificate = shape<ListenerTlsAcmCertificate>()({ certificateArn: text });

const fileTrust = shape<TlsValidationContextFileTrust>()({ certificateChain: text });
const sdsTrust = shape<TlsValidationContextSdsTrust>()({ secretName: text });
const acmTrust = shape<TlsValidationContextAcmTrust>()({ certificateAuthorityArns: z.array(text).min(1) });

const subjectAlternativeNames = shape<SubjectAlternativeNames>()({
  match: shape<SubjectAlternativeNameMatchers>()({ exact: z.array(text).min(1) }),
});

const listenerCertificate: z.ZodType<ListenerTlsCertificate & VirtualGatewayListenerTlsCertificate> = oneOf({
  acm: acmCertificate,
  file: fileCertificate,
  sds: sdsCertificate,
});

const listenerTrust: z.ZodType<ListenerTlsValidationContextTrust & VirtualGatewayListenerTlsValidationContextTrust> =
  oneOf({ file: fileTrust, sds: sdsTrust });

const listenerValidation = shape<ListenerTlsValidationContext & VirtualGatewayListenerTlsValidationContext>()({
  trust: listenerTrust,
  subjectAlternativeNames: subjectAlternativeNames.optional(),
});

export const listenerTls = shape<ListenerTls & VirtualGatewayListenerTls>()({
  mode: tlsMode,
  certificate: listenerCertificate,
  validation: listenerValidation.optional(),
});

const clientCertificate: z.ZodType<ClientTlsCertificate & VirtualGatewayClientTlsCertificate> = oneOf({
  file: fileCertificate,
  sds: sdsCertificate,
});

const trust: z.ZodType<TlsValidationContextTrust & VirtualGatewayTlsValidationContextTrust> = oneOf({
  acm: acmTrust,
  file: fileTrust,
  sds: sdsTrust,
});

const validation = shape<TlsValidationContext & VirtualGatewayTlsValidationContext>()({
  trust,
  subjectAlternativeNames: subjectAlternativeNames.optional(),
});

const clientPolicyTls = shape<ClientPolicyTls & VirtualGatewayClientPolicyTls>()({
  enforce: bool.optional(),
  ports: z.array(port).optional(),
  certificate: clientCertificate.optional(),
  validation,
});

export const clientPolicy = shape<ClientPolicy & VirtualGatewayClientPolicy>()({ tls: clientPolicyTls.optional() });
