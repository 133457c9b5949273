// Lists that most of the time hold nothing or one entry, made for every connection (a rule's
// GOAWAYs, a side's pending SETTINGS, a window's event times). A push onto an empty array makes
// room for 17 entries; thousands of connections open at once keep those slots alive and copied
// by every young-generation collection they live through. Such a list starts as a shared frozen
// empty list and takes a one-element array at its first entry. Both are typed readonly, so that
// only `appended` adds to them: a push onto the shared list would throw, in every connection.

/** A shared empty list for one module's lists of T (frozen). */
export function sharedEmptyList<T>(): readonly T[] {
  return Object.freeze([]);
}

/** `list` with `item` appended: a new one-element array when `list` is empty, else `list` itself. */
export function appended<T>(list: readonly T[], item: T): readonly T[] {
  if (list.length === 0) return [item];
  // Not empty, so made here: a mutable array.
  (list as T[]).push(item);
  return list;
}
