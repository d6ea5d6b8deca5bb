/** What every part of the mapping shares: the input, where each node went, the report and the trace. */
import type { Inventory } from '../inventory';
import type { ImportReport } from '../report';
import type { Trace } from '../trace';
import type { Placement } from './version-placement';

export interface MapContext {
  readonly inventory: Inventory;
  readonly placement: Placement;
  readonly report: ImportReport;
  readonly trace: Trace;
}
