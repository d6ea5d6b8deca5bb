/**
 * CloudFormation spells App Mesh's fields in PascalCase, with a few acronyms in capitals
 * (`AWSCloudMap`, `DNS`, `TLS`, `HTTP2`…); the API spells them in camelCase. The list of
 * exceptions is the one aws-cdk-lib's generated `CfnVirtualNode` & co. use.
 */

const API_NAME: Record<string, string> = {
  ACM: 'acm',
  AWSCloudMap: 'awsCloudMap',
  DNS: 'dns',
  GRPC: 'grpc',
  HTTP: 'http',
  HTTP2: 'http2',
  SDS: 'sds',
  TCP: 'tcp',
  TLS: 'tls',
};
const CFN_NAME = Object.fromEntries(Object.entries(API_NAME).map(([cfn, api]) => [api, cfn]));

/** `PortMapping` → `portMapping`, `AWSCloudMap` → `awsCloudMap`. */
export function apiName(cfn: string): string {
  return API_NAME[cfn] ?? cfn.charAt(0).toLowerCase() + cfn.slice(1);
}

/** `portMapping` → `PortMapping`, `awsCloudMap` → `AWSCloudMap`. */
export function cfnName(api: string): string {
  return CFN_NAME[api] ?? api.charAt(0).toUpperCase() + api.slice(1);
}

/** A resource's properties in the API's spelling (App Mesh specs hold no free-form maps). */
export function toApiShape(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(toApiShape);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [apiName(k), toApiShape(v)]),
  );
}
