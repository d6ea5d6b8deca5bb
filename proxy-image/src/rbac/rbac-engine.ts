/**
 * Envoy's `config.rbac.v3.RBAC` rules: named policies, each a set of permissions (any of them)
 * and principals (any of them), under one action. ALLOW lets through what some policy matches
 * and refuses the rest (deny by default); DENY refuses what some policy matches; LOG allows
 * everything. The matched policy's name goes into the response details and logs.
 */
import type { Fields } from '../config/fields';
import { parsePermission } from './permission';
import { parsePrincipal } from './principal';
import type { RbacRequest } from './rbac-request';

export type RbacAction = 'ALLOW' | 'DENY' | 'LOG';

interface Policy {
  readonly name: string;
  matches(r: RbacRequest): boolean;
}

export interface RbacDecision {
  readonly allowed: boolean;
  /** The policy that matched, if any. */
  readonly policy: string | undefined;
}

export class RbacEngine {
  constructor(
    readonly action: RbacAction,
    private readonly policies: readonly Policy[],
  ) {}

  evaluate(r: RbacRequest): RbacDecision {
    let matched: string | undefined;
    for (const p of this.policies) {
      if (p.matches(r)) {
        matched = p.name;
        break;
      }
    }
    if (this.action === 'ALLOW') return { allowed: matched !== undefined, policy: matched };
    if (this.action === 'DENY') return { allowed: matched === undefined, policy: matched };
    return { allowed: true, policy: matched };
  }
}

export function parseRbacRules(f: Fields): RbacEngine {
  const action = f.enumOf('action', ['ALLOW', 'DENY', 'LOG'] as const, 'ALLOW');
  const raw = f.object('policies');
  const policies: Policy[] = [];
  if (raw) {
    // Envoy evaluates policies in name order; the result only differs in which name is reported.
    for (const name of Object.keys(raw.raw).sort()) {
      const p = raw.object(name)!;
      const permissions = p.array('permissions').map(parsePermission);
      const principals = p.array('principals').map(parsePrincipal);
      if (permissions.length === 0) p.fail('permissions', 'must list at least one permission');
      if (principals.length === 0) p.fail('principals', 'must list at least one principal');
      if (p.has('condition') || p.has('checked_condition')) p.fail('condition', 'CEL conditions are not supported');
      p.done();
      policies.push({
        name,
        matches: (r) => permissions.some((m) => m(r)) && principals.some((m) => m(r)),
      });
    }
    raw.done();
  }
  f.done(['audit_logging_options']);
  return new RbacEngine(action, policies);
}
