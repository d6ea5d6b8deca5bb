/**
 * The reply to a CloudFormation custom resource request: a PUT of a small JSON document to the
 * pre-signed S3 URL in the request. CloudFormation waits up to an hour for it, so every request
 * must be answered, failures included, and a lost answer is retried.
 */
import type { CloudFormationCustomResourceEvent } from 'aws-lambda';

export interface CfnResponse {
  readonly status: 'SUCCESS' | 'FAILED';
  readonly physicalResourceId: string;
  readonly reason?: string;
  readonly data?: Record<string, string | number>;
}

/** CloudFormation refuses response bodies over 4 KiB; the reason is what gets cut. */
const MAX_REASON = 3000;

export function responseBody(event: CloudFormationCustomResourceEvent, r: CfnResponse): string {
  const reason = r.reason ?? '';
  return JSON.stringify({
    Status: r.status,
    Reason: reason.length > MAX_REASON ? `${reason.slice(0, MAX_REASON - 1)}…` : reason,
    PhysicalResourceId: r.physicalResourceId,
    StackId: event.StackId,
    RequestId: event.RequestId,
    LogicalResourceId: event.LogicalResourceId,
    NoEcho: false,
    Data: r.data ?? {},
  });
}

export async function sendCfnResponse(
  event: CloudFormationCustomResourceEvent,
  r: CfnResponse,
  o: { attempts?: number; backoffMs?: number } = {},
): Promise<void> {
  const body = responseBody(event, r);
  const attempts = o.attempts ?? 4;
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    if (i > 0) await new Promise((res) => setTimeout(res, (o.backoffMs ?? 500) * 2 ** (i - 1)));
    try {
      // The URL is signed without a content type: sending one would break the signature.
      const res = await fetch(event.ResponseURL, {
        method: 'PUT',
        body,
        headers: { 'content-type': '', 'content-length': String(Buffer.byteLength(body)) },
      });
      if (res.ok) return;
      last = new Error(`the response URL answered ${res.status}`);
    } catch (e) {
      last = e;
    }
  }
  throw new Error(`could not send the CloudFormation response: ${(last as Error).message}`);
}
