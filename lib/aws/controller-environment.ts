/**
 * The environment variables the `Mesh` construct sets on its controllers, shared with the
 * controllers that read them. No CDK import here: the Lambda bundle includes this file.
 */
export const CONTROLLER_ENV = {
  /** The snapshot bucket's name. */
  bucket: 'TRELLIS_SNAPSHOT_BUCKET',
  /** The mesh's name: the `Mesh` dimension of every metric. */
  mesh: 'TRELLIS_MESH_NAME',
  /** The deletion guard's ratios, 0 to 1. */
  maxProxyLoss: 'TRELLIS_MAX_PROXY_LOSS',
  maxEndpointLoss: 'TRELLIS_MAX_ENDPOINT_LOSS',
  /** The AWS Private CA that issues proxies' mTLS certificates; unset when the mesh brings its own. */
  certificateAuthorityArn: 'TRELLIS_CERTIFICATE_AUTHORITY_ARN',
  /** Lifetime of those certificates, whole hours. */
  certificateValidityHours: 'TRELLIS_CERTIFICATE_VALIDITY_HOURS',
} as const;

/** The custom resource's properties (CloudFormation turns every scalar into a string). */
export const DEPLOYMENT_PROPERTIES = {
  /** The mesh definition as JSON text, so numbers stay numbers. */
  definition: 'Definition',
  /** `'true'` lets a deploy remove most of the mesh's proxies. */
  allowDestructiveUpdates: 'AllowDestructiveUpdates',
} as const;
