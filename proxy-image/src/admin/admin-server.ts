/**
 * The admin API on its own port, Envoy's paths and formats: readiness and server info (what
 * ECS health checks and App Mesh task definitions call), stats in text/JSON/Prometheus,
 * clusters, listeners, config dump, and the lifecycle endpoints (fail/ok health check, drain
 * listeners, quit). Mutating endpoints take POST only, as Envoy's do.
 */
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import { compileRe2, Re2SyntaxError } from '../../../lib/regex/re2';
import type { ClusterManager } from '../cluster/cluster-manager';
import type { Bootstrap } from '../config/bootstrap';
import type { ListenerManager } from '../listener/listener-manager';
import { log } from '../log';
import type { RouteConfigProviderManager } from '../router/route-config-provider';
import { statsJson, statsPrometheus, statsText } from '../stats/format';
import type { StatsStore } from '../stats/store';
import { VERSION_STRING } from '../version';
import { clustersJson, clustersText } from './clusters';
import { configDump } from './config-dump';

export type ServerState = 'LIVE' | 'DRAINING' | 'PRE_INITIALIZING' | 'INITIALIZING';

export interface AdminControl {
  readonly store: StatsStore;
  readonly bootstrap: Bootstrap;
  readonly startedAt: Date;
  readonly commandLineOptions: Record<string, unknown>;
  state(): ServerState;
  clusterManager(): ClusterManager | undefined;
  listenerManager(): ListenerManager | undefined;
  routeProviders(): RouteConfigProviderManager | undefined;
  failHealthcheck(fail: boolean): void;
  drainListeners(inboundOnly: boolean): void;
  quit(): void;
}

type Handler = (url: URL, req: IncomingMessage, res: ServerResponse) => void;

function send(res: ServerResponse, status: number, body: string, type = 'text/plain; charset=UTF-8'): void {
  res.writeHead(status, {
    'content-type': type,
    'cache-control': 'no-cache, max-age=0',
    'x-content-type-options': 'nosniff',
  });
  res.end(body);
}

function sendJson(res: ServerResponse, value: unknown): void {
  send(res, 200, `${JSON.stringify(value, null, 2)}\n`, 'application/json');
}

function uptime(since: Date): string {
  return `${Math.floor((Date.now() - since.getTime()) / 1000)}s`;
}

export class AdminServer {
  private server: http.Server | undefined;
  private readonly routes: Record<string, { help: string; post?: boolean; handler: Handler }>;

  constructor(private readonly ctl: AdminControl) {
    this.routes = {
      '/': { help: 'print the admin endpoints', handler: (_u, _q, res) => this.help(res) },
      '/help': { help: 'print the admin endpoints', handler: (_u, _q, res) => this.help(res) },
      '/ready': {
        help: 'print server state, return 200 if LIVE, otherwise return 503',
        handler: (_u, _q, res) => this.ready(res),
      },
      '/server_info': {
        help: 'print server version/status information',
        handler: (_u, _q, res) => this.serverInfo(res),
      },
      '/stats': { help: 'print server stats', handler: (u, _q, res) => this.stats(u, res) },
      '/stats/prometheus': {
        help: 'print server stats in prometheus format',
        handler: (u, _q, res) => this.prometheus(u, res),
      },
      '/clusters': { help: 'upstream cluster status', handler: (u, _q, res) => this.clusters(u, res) },
      '/listeners': { help: 'print listener info', handler: (u, _q, res) => this.listeners(u, res) },
      '/config_dump': { help: 'dump current Envoy configs', handler: (_u, _q, res) => this.configDump(res) },
      '/memory': { help: 'print current allocation/heap usage', handler: (_u, _q, res) => this.memory(res) },
      '/runtime': {
        help: 'print runtime values',
        handler: (_u, _q, res) => sendJson(res, { layers: [], entries: {} }),
      },
      '/certs': { help: 'print certs on machine', handler: (_u, _q, res) => sendJson(res, { certificates: [] }) },
      '/healthcheck/fail': {
        help: 'cause the server to fail health checks',
        post: true,
        handler: (_u, _q, res) => {
          this.ctl.failHealthcheck(true);
          send(res, 200, 'OK\n');
        },
      },
      '/healthcheck/ok': {
        help: 'cause the server to pass health checks',
        post: true,
        handler: (_u, _q, res) => {
          this.ctl.failHealthcheck(false);
          send(res, 200, 'OK\n');
        },
      },
      '/drain_listeners': {
        help: 'drain listeners',
        post: true,
        handler: (u, _q, res) => {
          this.ctl.drainListeners(u.searchParams.has('inboundonly'));
          send(res, 200, 'OK\n');
        },
      },
      '/quitquitquit': {
        help: 'exit the server',
        post: true,
        handler: (_u, _q, res) => {
          send(res, 200, 'OK\n');
          setImmediate(() => this.ctl.quit());
        },
      },
    };
  }

  /** Binds the admin listener; returns its bound `host:port`. */
  listen(address: string, port: number): Promise<{ address: string; port: number }> {
    const server = http.createServer((req, res) => this.dispatch(req, res));
    server.keepAliveTimeout = 5000;
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) =>
        reject(new Error(`admin: cannot bind ${address}:${port}: ${e.code ?? e.message}`)),
      );
      server.listen(port, address, () => {
        const a = server.address();
        resolve({ address, port: typeof a === 'object' && a ? a.port : port });
      });
    });
  }

  close(): Promise<void> {
    const s = this.server;
    if (!s) return Promise.resolve();
    s.closeAllConnections();
    return new Promise((resolve) => s.close(() => resolve()));
  }

  private dispatch(req: IncomingMessage, res: ServerResponse): void {
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://admin');
    } catch {
      send(res, 400, 'bad request\n');
      return;
    }
    const route = this.routes[url.pathname];
    if (!route) {
      send(res, 404, `invalid path: ${url.pathname}\n`);
      return;
    }
    if (route.post && req.method !== 'POST') {
      send(res, 405, 'This endpoint requires POST.\n');
      return;
    }
    try {
      route.handler(url, req, res);
    } catch (e) {
      log.error(`admin ${url.pathname}: ${(e as Error).message}`);
      send(res, 500, `${(e as Error).message}\n`);
    }
  }

  private help(res: ServerResponse): void {
    const lines = Object.entries(this.routes)
      .filter(([p]) => p !== '/')
      .map(([p, r]) => `  ${p}: ${r.help}`);
    send(res, 200, `admin commands are:\n${lines.join('\n')}\n`);
  }

  private ready(res: ServerResponse): void {
    const s = this.ctl.state();
    send(res, s === 'LIVE' ? 200 : 503, `${s}\n`);
  }

  private serverInfo(res: ServerResponse): void {
    sendJson(res, {
      version: VERSION_STRING,
      state: this.ctl.state(),
      hot_restart_version: 'disabled',
      command_line_options: this.ctl.commandLineOptions,
      node: this.ctl.bootstrap.node.json,
      uptime_current_epoch: uptime(this.ctl.startedAt),
      uptime_all_epochs: uptime(this.ctl.startedAt),
    });
  }

  private filter(url: URL, res: ServerResponse): ((name: string) => boolean) | undefined | null {
    const f = url.searchParams.get('filter');
    if (!f) return undefined;
    try {
      const re = compileRe2(f, false);
      return (n) => re.test(n);
    } catch (e) {
      const msg = e instanceof Re2SyntaxError ? e.message : String(e);
      send(res, 400, `Invalid re2 regex: ${msg}\n`);
      return null;
    }
  }

  private stats(url: URL, res: ServerResponse): void {
    const f = this.filter(url, res);
    if (f === null) return;
    const usedOnly = url.searchParams.has('usedonly');
    const format = url.searchParams.get('format');
    if (format === 'json') {
      sendJson(res, statsJson(this.ctl.store, f, usedOnly));
      return;
    }
    if (format === 'prometheus') {
      send(res, 200, statsPrometheus(this.ctl.store, f, usedOnly));
      return;
    }
    send(res, 200, statsText(this.ctl.store, f, usedOnly));
  }

  private prometheus(url: URL, res: ServerResponse): void {
    const f = this.filter(url, res);
    if (f === null) return;
    send(
      res,
      200,
      statsPrometheus(this.ctl.store, f, url.searchParams.has('usedonly')),
      'text/plain; version=0.0.4; charset=utf-8',
    );
  }

  private clusters(url: URL, res: ServerResponse): void {
    const list = this.ctl.clusterManager()?.clusters() ?? [];
    if (url.searchParams.get('format') === 'json') {
      sendJson(res, clustersJson(list));
      return;
    }
    send(res, 200, clustersText(list));
  }

  private listeners(url: URL, res: ServerResponse): void {
    const list = this.ctl.listenerManager()?.list() ?? [];
    if (url.searchParams.get('format') === 'json') {
      sendJson(res, {
        listener_statuses: list.map((l) => ({
          name: l.config.name,
          local_address: { socket_address: { address: l.address, port_value: l.boundPort || l.config.address.port } },
        })),
      });
      return;
    }
    const lines = list.map((l) => {
      const port = l.boundPort || l.config.address.port;
      return `${l.config.name}::${l.address.includes(':') ? `[${l.address}]` : l.address}:${port}`;
    });
    send(res, 200, lines.length ? `${lines.join('\n')}\n` : '');
  }

  private configDump(res: ServerResponse): void {
    const cm = this.ctl.clusterManager();
    const lm = this.ctl.listenerManager();
    const rds = this.ctl.routeProviders();
    if (!cm || !lm || !rds) {
      sendJson(res, { configs: [] });
      return;
    }
    sendJson(res, configDump(this.ctl.bootstrap, this.ctl.startedAt, cm, lm, rds));
  }

  private memory(res: ServerResponse): void {
    const m = process.memoryUsage();
    sendJson(res, {
      allocated: String(m.heapUsed),
      heap_size: String(m.heapTotal),
      pageheap_unmapped: '0',
      pageheap_free: '0',
      total_thread_cache: '0',
      total_physical_bytes: String(m.rss),
    });
  }
}
