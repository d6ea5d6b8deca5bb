/**
 * Which App Mesh field each part of the Trellis mesh came from, so a problem the Trellis
 * model finds in the imported mesh is reported where the user can fix it: in their file.
 */
import type { PathSegment } from '../model/problem';
import type { Source } from './source';

export interface Origin {
  readonly source: Source;
  readonly path: readonly PathSegment[];
}

const key = (path: readonly PathSegment[]) => path.map(String).join('\u0000');

export class Trace {
  private readonly origins = new Map<string, Origin>();

  set(trellisPath: readonly PathSegment[], source: Source, path: readonly PathSegment[]): void {
    this.origins.set(key(trellisPath), { source, path });
  }

  /** The origin of the longest recorded prefix of `trellisPath`. */
  find(trellisPath: readonly PathSegment[]): Origin | undefined {
    for (let n = trellisPath.length; n >= 0; n--) {
      const found = this.origins.get(key(trellisPath.slice(0, n)));
      if (found) return found;
    }
    return undefined;
  }
}
