/**
 * DNS for STRICT_DNS and LOGICAL_DNS clusters: each endpoint's name is resolved every
 * `dns_refresh_rate`. STRICT_DNS uses every address returned; LOGICAL_DNS only the first.
 */
import { lookup } from 'node:dns/promises';
import type { ClusterConfig } from '../config/cluster';
import type { EndpointConfig } from '../config/load-assignment';
import { log } from '../log';

const FAMILY = { AUTO: 0, V4_ONLY: 4, V6_ONLY: 6, V4_PREFERRED: 0, ALL: 0 } as const;

export class DnsResolver {
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    private readonly config: ClusterConfig,
    private readonly onResolved: (endpoints: EndpointConfig[]) => void,
  ) {}

  /** Resolves now, then on the refresh rate; resolves after the first round (success or not). */
  async start(): Promise<void> {
    await this.resolve();
    this.schedule();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(async () => {
      await this.resolve();
      this.schedule();
    }, this.config.dnsRefreshRateMs);
    this.timer.unref();
  }

  private async resolve(): Promise<void> {
    const family = FAMILY[this.config.dnsLookupFamily];
    const out: EndpointConfig[] = [];
    let failed = false;
    for (const ep of this.config.loadAssignment?.endpoints ?? []) {
      try {
        const addrs = await lookup(ep.address, {
          all: true,
          family,
          order: this.config.dnsLookupFamily === 'V4_PREFERRED' ? 'ipv4first' : 'verbatim',
        });
        const use = this.config.type === 'LOGICAL_DNS' ? addrs.slice(0, 1) : addrs;
        for (const a of use) {
          out.push({ ...ep, address: a.address, hostname: ep.hostname || ep.address });
        }
      } catch (e) {
        failed = true;
        log.warn(`cluster ${this.config.name}: cannot resolve ${ep.address}: ${(e as Error).message}`);
      }
    }
    if (this.stopped) return;
    // Keep the last good answer when a refresh fails, as Envoy does.
    if (!failed || out.length > 0) this.onResolved(out);
  }
}
