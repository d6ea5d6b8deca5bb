/**
 * Counters and gauges. Hot paths hold these objects directly (resolved once per cluster,
 * listener or connection manager), so counting a request is a field increment, never a
 * name lookup or a string built per request.
 */

export class Counter {
  value = 0;
  constructor(readonly name: string) {}

  inc(): void {
    this.value++;
  }

  add(n: number): void {
    this.value += n;
  }
}

export class Gauge {
  private v = 0;

  /** `read`, when given, computes the value on demand (circuit-breaker remaining capacity…). */
  constructor(
    readonly name: string,
    private readonly read?: () => number,
  ) {}

  get value(): number {
    return this.read ? this.read() : this.v;
  }

  get computed(): boolean {
    return this.read !== undefined;
  }

  inc(): void {
    this.v++;
  }

  dec(): void {
    this.v--;
  }

  set(n: number): void {
    this.v = n;
  }
}
