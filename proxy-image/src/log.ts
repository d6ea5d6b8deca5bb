/**
 * The proxy's own log (not the access log): one line per event on stderr, Envoy's levels.
 * Envoy's `-l/--log-level` sets the threshold. Lines are small and rare, so a synchronous
 * write is fine here; the access log, which is per request, is buffered separately.
 */

export type LogLevel = 'trace' | 'debug' | 'info' | 'warning' | 'error' | 'critical' | 'off';

const RANK: Record<LogLevel, number> = { trace: 0, debug: 1, info: 2, warning: 3, error: 4, critical: 5, off: 6 };

export function isLogLevel(value: string): value is LogLevel {
  return Object.hasOwn(RANK, value) || value === 'warn';
}

class Logger {
  private threshold = RANK.info;

  setLevel(level: LogLevel | 'warn'): void {
    this.threshold = RANK[level === 'warn' ? 'warning' : level];
  }

  enabled(level: LogLevel): boolean {
    return RANK[level] >= this.threshold;
  }

  trace(msg: string): void {
    this.write('trace', msg);
  }
  debug(msg: string): void {
    this.write('debug', msg);
  }
  info(msg: string): void {
    this.write('info', msg);
  }
  warn(msg: string): void {
    this.write('warning', msg);
  }
  error(msg: string): void {
    this.write('error', msg);
  }

  private write(level: LogLevel, msg: string): void {
    if (RANK[level] < this.threshold) return;
    process.stderr.write(`[${new Date().toISOString()}][${level}] ${msg}\n`);
  }
}

/** The process-wide proxy log. */
export const log = new Logger();
