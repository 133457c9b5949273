// Lists that most of the time hold nothing, one or two entries, made for every connection (a
// rule's GOAWAYs, a side's pending SETTINGS, a window's event times, a connection's SETTINGS round
// trips). A push onto a short array makes room for 17 or more entries; thousands of connections
// open at once keep those slots alive and copied by every young-generation collection they live
// through. Such a list starts as a shared frozen empty list and takes an array of its exact
// length at its first and second entry; from the third it grows in place. Lists are typed
// readonly, so that only `appended` adds to them: a push onto the shared list would throw, in
// every connection.

/** A shared empty list for one module's lists of T (frozen). */
export function sharedEmptyList<T>(): readonly T[] {
  return Object.freeze([]);
}

/** `list` with `item` appended: a new array of its exact length while short (0 or 1 entries), else `list` itself. */
export function appended<T>(list: readonly T[], item: T): readonly T[] {
  if (list.length === 0) return [item];
  if (list.length === 1) return [list[0]!, item];
  // Two entries or more, so made here: a mutable array.
  (list as T[]).push(item);
  return list;
}
