/**
 * The AWS Private CA template proxies' certificates are issued with. Its own file because the
 * construct (which scopes IssueCertificate to it) and the controller (which names it) both need
 * it, and the construct must not load the AWS SDK or the X.509 library at synthesis.
 */

/** The end-entity template whose extensions (the SPIFFE URI SAN) come from the IssueCertificate call. */
export const PASSTHROUGH_TEMPLATE = 'template/EndEntityCertificate_APIPassthrough/V1';

/** The template's ARN in the CA's partition (`aws`, `aws-cn`, `aws-us-gov`). */
export function passthroughTemplateArn(certificateAuthorityArn: string): string {
  const partition = certificateAuthorityArn.split(':')[1] || 'aws';
  return `arn:${partition}:acm-pca:::${PASSTHROUGH_TEMPLATE}`;
}
