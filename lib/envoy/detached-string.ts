/**
 * V8 makes a substring of 13 characters or more a "sliced string": a view that keeps its whole
 * parent alive. Names cut out of a .proto file (by a regex here, by protobufjs's tokenizer)
 * would keep every file's text in the heap for the life of the process (~3.7 MiB for the
 * proxy's schema), so the strings kept are copied out of their source first.
 */

/** A flat copy of `s` that holds no reference to a larger string. */
export function detach(s: string): string {
  // Flattening a one-character prefix makes a new sequential string of s.length + 1 characters;
  // the slice then points at that, not at s's parent.
  return s.length < 13 ? s : ` ${s}`.slice(1);
}

/**
 * Replaces, in place, every string in `value`'s own data properties (deeply, through plain
 * objects and arrays) by a detached copy. `stop` names objects not to descend into (protobufjs
 * reflection objects point at their parents, so the caller walks those itself).
 */
export function detachStrings(value: object, stop: (o: object) => boolean, seen = new Set<object>()): void {
  if (seen.has(value)) return;
  seen.add(value);
  const rec = value as Record<string, unknown>;
  for (const key of Object.keys(value)) {
    const d = Object.getOwnPropertyDescriptor(value, key);
    if (!d || !('value' in d) || !d.writable) continue;
    const v = d.value;
    if (typeof v === 'string') {
      if (v.length >= 13) rec[key] = detach(v);
    } else if (v !== null && typeof v === 'object' && !stop(v)) {
      detachStrings(v, stop, seen);
    }
  }
}
