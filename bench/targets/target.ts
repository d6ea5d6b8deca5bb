/** What the benchmark runs traffic through: direct, a sidecar, or a chain of two. */
import type { Protocol } from '../open-loop';

export interface Endpoint {
  readonly port: number;
}

export interface RunningTarget {
  /** `http://127.0.0.1:<port>` that clients call. */
  readonly origin: string;
  readonly port: number;
  /** Root pids whose process trees are measured (CPU, RSS). */
  readonly pids: number[];
  /** What the target printed on stdout so far, when the bench started it itself. */
  stdout?(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  /** Where the target sends requests (HTTP/1.1, keep-alive). */
  readonly upstream: Endpoint;
  /** What clients speak to it: HTTP/1.1, or h2c with prior knowledge. */
  readonly protocol: Protocol;
  /** A private directory for configs, logs and temp files. */
  readonly dir: string;
}

export interface TargetKind {
  readonly name: string;
  /** Whether it accepts h2c from clients (http-proxy is HTTP/1.1 only). */
  readonly h2: boolean;
  start(o: StartOptions): Promise<RunningTarget>;
}
