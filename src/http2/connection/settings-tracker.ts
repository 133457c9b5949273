// SETTINGS exchanges (RFC 9113 §6.5): what each side declared, when the other side
// acknowledged it, and so which values govern the frames each side sends.
//
// A side's settings limit what its peer sends (window, frame size, header table), and the peer
// applies them when it processes the SETTINGS frame, acknowledging at once (§6.5.3). The ACK's
// place in the peer's own byte stream therefore splits the peer's frames exactly into those
// sent under the old values and those sent under the new ones.

import {
  SETTINGS_ENABLE_PUSH, SETTINGS_HEADER_TABLE_SIZE, SETTINGS_INITIAL_WINDOW_SIZE, SETTINGS_MAX_CONCURRENT_STREAMS,
  SETTINGS_MAX_FRAME_SIZE, SETTINGS_MAX_HEADER_LIST_SIZE, settingName,
} from "../frame/frame-types.js";
import type { Peer } from "./stream-state.js";
import { appended, sharedEmptyList } from "../../small-list.js";

/** §6.5.2 initial values. */
export const DEFAULT_SETTINGS: ReadonlyMap<number, number> = new Map([
  [SETTINGS_HEADER_TABLE_SIZE, 4096],
  [SETTINGS_ENABLE_PUSH, 1],
  [SETTINGS_INITIAL_WINDOW_SIZE, 65_535],
  [SETTINGS_MAX_FRAME_SIZE, 16_384],
]);

export const MIN_MAX_FRAME_SIZE = 16_384;
export const MAX_MAX_FRAME_SIZE = 2 ** 24 - 1;

interface PendingSettings {
  settings: Array<[number, number]>;
  timeUs: number;
  packetNumber: number;
}

/** One acknowledged SETTINGS frame: what changed and how long the ACK took. */
export interface AppliedSettings {
  /** The side whose settings now govern the other side's frames. */
  declaredBy: Peer;
  changes: Array<{ id: number; previous: number | undefined; value: number }>;
  /** SETTINGS to ACK, in capture time (µs); undefined for implicit ACKs (h2c's 101). */
  roundTripUs: number | undefined;
  declaredInPacket: number;
}

/** Settings in force by name, as a connection's report lists them: [name, value], ascending ids. */
export type NamedSettings = ReadonlyArray<readonly [string, number]>;

/**
 * Named lists already made, by their ids and values. Most connections of a capture end with the
 * same values (one client program, one server), and the report keeps both sides' lists of each
 * connection it lists: some 760 bytes in 25 objects per connection when each had its own.
 * Frozen, since they are shared. Bounded: past this many distinct lists, new ones are not kept.
 */
const namedLists = new Map<string, NamedSettings>();
const NAMED_LISTS_KEPT = 256;
/**
 * The values and lists of the last few lookups, compared first (no key to build): a connection's
 * client and server lists alternate, and most connections repeat the previous one's.
 */
const recentNamed: Array<{ byId: Array<number | undefined>; list: NamedSettings }> = [];
const RECENT_NAMED_KEPT = 4;

function sameValues(left: Array<number | undefined>, right: Array<number | undefined>): boolean {
  for (let id = 0; id < ARRAY_IDS; id++) if (left[id] !== right[id]) return false;
  return true;
}

/** Settings ids below this are kept in an array (the registered ones are 1-9); others in a map. */
const ARRAY_IDS = 16;
const DEFAULT_VALUES: Array<number | undefined> = Array.from({ length: ARRAY_IDS }, (_, id) => DEFAULT_SETTINGS.get(id));

/**
 * One side's values by setting id. An array indexed by id rather than a Map: read once per
 * frame, and made for every connection (two per connection, alive as long as it is).
 */
class SettingValues {
  readonly #byId = DEFAULT_VALUES.slice();
  /** Ids past the array (unregistered, kept as sent), made at the first one. */
  #others: Map<number, number> | undefined;

  get(id: number): number | undefined {
    return id < ARRAY_IDS ? this.#byId[id] : this.#others?.get(id);
  }

  /** Sets a value and returns the one it replaces. */
  set(id: number, value: number): number | undefined {
    const previous = this.get(id);
    if (id < ARRAY_IDS) this.#byId[id] = value;
    else (this.#others ??= new Map()).set(id, value);
    return previous;
  }

  /** Every value as [name, value], ascending ids: a shared list when one with these values was made before. */
  named(): NamedSettings {
    // Ids past the array are rare (unregistered settings): such lists are not shared.
    if (this.#others !== undefined) return this.#makeNamed();
    for (let i = 0; i < recentNamed.length; i++) if (sameValues(this.#byId, recentNamed[i]!.byId)) return recentNamed[i]!.list;
    let key = "";
    for (let id = 0; id < ARRAY_IDS; id++) {
      const value = this.#byId[id];
      if (value !== undefined) key += `${id}=${value},`;
    }
    let list = namedLists.get(key);
    if (list === undefined) {
      list = this.#makeNamed();
      if (namedLists.size < NAMED_LISTS_KEPT) namedLists.set(key, list);
    }
    if (recentNamed.length === RECENT_NAMED_KEPT) recentNamed.pop();
    recentNamed.unshift({ byId: this.#byId.slice(), list });
    return list;
  }

  #makeNamed(): NamedSettings {
    return Object.freeze(this.entries().map(([id, value]) => Object.freeze([settingName(id), value] as const)));
  }

  /** [id, value] of every value, ascending ids. */
  entries(): Array<[number, number]> {
    const entries: Array<[number, number]> = [];
    for (let id = 0; id < ARRAY_IDS; id++) {
      const value = this.#byId[id];
      if (value !== undefined) entries.push([id, value]);
    }
    // Unregistered ids are up to 65,536: one push each, not a spread call of that many arguments.
    for (const entry of [...(this.#others ?? [])].sort(([left], [right]) => left - right)) entries.push(entry);
    return entries;
  }
}

/** The pending list of a side with nothing pending (a side has one SETTINGS pending at a time, briefly). */
const NO_PENDING = sharedEmptyList<PendingSettings>();

export class SettingsTracker {
  /** Values each side declared and the other acknowledged; defaults until then. */
  #inForce: Record<Peer, SettingValues>;
  #pending: Record<Peer, readonly PendingSettings[]> = { client: NO_PENDING, server: NO_PENDING };
  /** False when we joined mid-way: the values in force before are unknown. */
  #known: boolean;

  constructor(known: boolean) {
    this.#known = known;
    this.#inForce = { client: new SettingValues(), server: new SettingValues() };
  }

  /** Whether the values in force are known (the exchange was seen from the start). */
  get known(): boolean {
    return this.#known;
  }

  /** The value `side` declared that governs its peer's frames now (default if never set). */
  value(side: Peer, id: number): number | undefined {
    // Read once per frame: a branch, not a lookup by the string `side` (a generic keyed load).
    return (side === "client" ? this.#inForce.client : this.#inForce.server).get(id);
  }

  /** All values in force for `side` as [name, value], ascending ids (a list possibly shared: frozen). */
  named(side: Peer): NamedSettings {
    return this.#inForce[side].named();
  }

  pendingCount(side: Peer): number {
    return this.#pending[side].length;
  }

  /** A SETTINGS frame (not ACK) sent by `side`. */
  declared(side: Peer, settings: Array<[number, number]>, timeUs: number, packetNumber: number): void {
    this.#pending[side] = appended(this.#pending[side], { settings, timeUs, packetNumber });
  }

  /**
   * A SETTINGS ACK sent by `acknowledger`: the oldest pending SETTINGS of the other side now
   * governs `acknowledger`'s frames. Undefined when nothing was pending (an unexpected ACK, or
   * we joined after the SETTINGS).
   */
  acknowledged(acknowledger: Peer, timeUs: number): AppliedSettings | undefined {
    const declaredBy: Peer = acknowledger === "client" ? "server" : "client";
    const list = this.#pending[declaredBy];
    if (list.length === 0) return undefined;
    // Not empty, so made by appended: a mutable array.
    const pending = (list as PendingSettings[]).shift()!;
    return this.#apply(declaredBy, pending, timeUs - pending.timeUs);
  }

  /**
   * Settings applied without an ACK frame: h2c's HTTP2-Settings, acknowledged by the 101
   * response (RFC 7540 §3.2.1).
   */
  appliedImplicitly(declaredBy: Peer, settings: Array<[number, number]>, timeUs: number, packetNumber: number): AppliedSettings {
    return this.#apply(declaredBy, { settings, timeUs, packetNumber }, undefined);
  }

  /** Roles were guessed wrong (joined mid-way): what was recorded for one side was the other's. */
  swapSides(): void {
    const client = this.#inForce.client;
    this.#inForce.client = this.#inForce.server;
    this.#inForce.server = client;
    const pendingClient = this.#pending.client;
    this.#pending.client = this.#pending.server;
    this.#pending.server = pendingClient;
  }

  #apply(declaredBy: Peer, pending: PendingSettings, roundTripUs: number | undefined): AppliedSettings {
    const values = this.#inForce[declaredBy];
    const changes = pending.settings.map(([id, value]) => ({ id, previous: values.set(id, value), value }));
    return { declaredBy, changes, roundTripUs, declaredInPacket: pending.packetNumber };
  }
}

export { SETTINGS_MAX_CONCURRENT_STREAMS, SETTINGS_MAX_HEADER_LIST_SIZE };
