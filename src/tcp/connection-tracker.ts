// TCP connections keyed by 4-tuple: roles, port reuse, per-direction reassembly and facts.

import { destinationAddress, formatEndpoint, sourceAddress, type IpPacket } from "../capture/ip/ip-packet.js";
import { DEFAULT_LIMITS, MAX_ENDED_TUPLES, type Limits } from "../limits.js";
import { newDirectionStats } from "./direction-stats.js";
import { DirectionReassembler, type GapReason, type ReassemblyLimits, type ReassemblyOutput } from "./reassembler.js";
import { RING_POOL_BYTES, RingPool } from "./recent-bytes.js";
import { isRoleCertain, roleFromPayload, serverByPort } from "./roles.js";
import type { CloseReason, Direction, TcpConnection, TcpEvent } from "./tcp-events.js";
import { TCP_ACK, TCP_FIN, TCP_RST, TCP_SYN, type TcpSegment } from "./tcp-segment.js";
import { copyBytes, EMPTY_BYTES } from "../bytes/concat.js";

export type TcpEventSink = (event: TcpEvent) => void;

/** Delivered bytes, for a consumer that takes them without a `tcp.data` event (see the constructor). */
export type TcpDataSink = (connection: TcpConnection, direction: Direction, streamOffset: number, bytes: Uint8Array, packetNumber: number, timeUs: number) => void;

/** Capture-time interval between sweeps for idle connections. */
const SWEEP_INTERVAL_US = 10 * 1_000_000;
/** Idle this long, a connection's retransmission-check bytes are freed (duplicates come sooner). */
const RECENT_BYTES_IDLE_US = 1_000_000;
/**
 * Capture time an ended connection's 4-tuple is remembered after its FIN handshake or RST, so
 * that its late packets (a retransmitted FIN, the last ACKs, segments in flight past a RST) are
 * dropped rather than taken for a new connection joined mid-way. Retransmissions come within
 * seconds; a new connection on the tuple starts with a SYN and is recognised at once.
 */
const ENDED_LINGER_US = 10 * 1_000_000;

/**
 * Endpoint a (the first packet's source) and b, to match packets and tell their direction:
 * addressWord() of each address (an IPv4 address itself, compared as a number), for IPv6 the
 * address bytes too, and the ports.
 */
interface Endpoints {
  /** tupleHash() of its addresses and ports: the key of its bucket. */
  hash: number;
  /** 4 (IPv4) or 16 (IPv6). */
  addressLength: number;
  aWord: number;
  bWord: number;
  /** IPv6 only (a copy: the packet's bytes are not kept); IPv4 compares the words alone. */
  aAddress: Uint8Array;
  aPort: number;
  bAddress: Uint8Array;
  bPort: number;
}

interface ConnectionState extends Endpoints {
  connection: TcpConnection;
  /** What the tracker keeps per direction (by the direction's sender). */
  directions: [TrackedDirection, TrackedDirection];
}

/** A connection that ended by FIN or RST, remembered for ENDED_LINGER_US (see there). */
interface EndedTuple extends Endpoints {
  endedUs: number;
  /** False once forgotten early (a new connection took the tuple, or MAX_ENDED_TUPLES). */
  remembered: boolean;
}

export class ConnectionTracker {
  readonly #emit: TcpEventSink;
  readonly #onData: TcpDataSink | undefined;
  readonly #limits: Limits;
  /** Every direction's reassembly limits, with the out-of-order bytes total they share. */
  readonly #reassemblyLimits: ReassemblyLimits;
  /**
   * Connections by the hash of their 4-tuple; a bucket holds every tuple with that hash. A number
   * key with a byte comparison costs less per packet than building a string key from the addresses.
   */
  readonly #connections = new Map<number, ConnectionState[]>();
  /**
   * Ended connections' tuples, by the same hash, looked up only when a packet matches no open
   * connection; and the same in the order they ended (from #endedHead on), to forget them.
   */
  readonly #ended = new Map<number, EndedTuple[]>();
  #endedQueue: EndedTuple[] = [];
  #endedHead = 0;
  #endedCount = 0;
  #activeCount = 0;
  #nextId = 1;
  #nextSweepUs = -1;
  #lastPacket = 0;
  #lastTimeUs = 0;

  /**
   * `onData`, when given, receives delivered bytes in place of `tcp.data` events: they are the
   * commonest event (one per segment with payload), and a pipeline that hands them straight to
   * the HTTP/2 stage has no use for an event object per segment.
   */
  constructor(emit: TcpEventSink, limits: Limits = DEFAULT_LIMITS, onData?: TcpDataSink) {
    this.#emit = emit;
    this.#onData = onData;
    this.#limits = limits;
    this.#reassemblyLimits = {
      maxHeldBytes: limits.maxOutOfOrderBytesPerDirection,
      maxHistoryBytes: limits.maxRetransmitCheckBytesPerDirection,
      ackStallUs: limits.ackStallUs,
      heldTotal: { held: 0, max: limits.maxOutOfOrderBytesTotal },
      ringPool: new RingPool(RING_POOL_BYTES),
    };
  }

  /** Connections currently tracked (an ended one is dropped at once; its tuple alone is remembered). */
  get activeCount(): number {
    return this.#activeCount;
  }

  /** One TCP segment carried by `ip`, seen in packet `packetNumber` at `timeUs`. */
  segment(ip: IpPacket, segment: TcpSegment, packetNumber: number, timeUs: number): void {
    this.#lastPacket = packetNumber;
    this.#lastTimeUs = timeUs;
    const sourceWord = addressWord(ip.data, ip.sourceOffset, ip.addressLength);
    const destinationWord = addressWord(ip.data, ip.destinationOffset, ip.addressLength);
    // The same in both directions: a sum of the two endpoints' hashes.
    const hash = (endpointHash(sourceWord, segment.sourcePort) + endpointHash(destinationWord, segment.destinationPort)) | 0;
    let state: ConnectionState | undefined;
    let direction: Direction = 0;
    const bucket = this.#connections.get(hash);
    if (bucket !== undefined) {
      for (let i = 0; i < bucket.length; i++) {
        const candidate = bucket[i]!;
        const matched = matchDirection(candidate, ip, segment, sourceWord, destinationWord);
        if (matched >= 0) {
          state = candidate;
          direction = matched as Direction;
          break;
        }
      }
    }
    const flags = segment.flags;
    const isSyn = (flags & TCP_SYN) !== 0;
    if (state === undefined && this.#endedCount > 0) {
      this.#forgetEndedBefore(timeUs - ENDED_LINGER_US);
      const ended = this.#findEnded(hash, ip, segment, sourceWord, destinationWord);
      if (ended !== undefined) {
        // A late packet of a connection already reported. Only a SYN starts a new one there.
        if (!(isSyn && (flags & TCP_ACK) === 0)) return;
        this.#forgetEnded(ended);
      }
    }
    if (state !== undefined && isSyn && (flags & TCP_ACK) === 0 && this.#isNewConnection(state, direction, segment)) {
      this.#close(state, "port-reuse", packetNumber, timeUs);
      this.#forget(state);
      state = undefined;
    }
    if (state === undefined) {
      state = this.#open(hash, sourceWord, destinationWord, ip, segment, packetNumber, timeUs);
      direction = 0;
    }
    const connection = state.connection;
    const reverse: Direction = direction === 0 ? 1 : 0;
    const stats = connection.directions[direction];
    stats.packets++;
    stats.payloadBytes += segment.payloadLength;
    connection.lastPacket = packetNumber;
    connection.lastTimeUs = timeUs;

    const tracked = state.directions[direction];
    if (isSyn) {
      stats.synSeen = true;
      if (tracked.synSequence < 0) {
        tracked.synSequence = segment.sequence;
        tracked.reassembler.synchronize(segment.sequence);
      }
    }
    const reassembler = tracked.reassembler;
    const isRst = (flags & TCP_RST) !== 0;
    // A RST's sequence number matters only for validation; it carries no stream bytes.
    if (!isRst) {
      if (segment.payloadLength > 0 && !tracked.payloadRoleChecked) this.#checkPayloadRole(state, direction, segment.payload, packetNumber, timeUs);
      const dataSequence = isSyn ? (segment.sequence + 1) >>> 0 : segment.sequence;
      reassembler.segment(dataSequence, segment.payload, segment.payloadLength, (flags & TCP_FIN) !== 0,
        state.directions[reverse].windowZero, packetNumber, timeUs);
    }
    if ((flags & TCP_ACK) !== 0 && !isRst) {
      state.directions[reverse].reassembler.acknowledge(segment.acknowledgment, packetNumber, timeUs);
    }
    if (!isSyn && !isRst && (flags & TCP_ACK) !== 0) this.#noteWindow(state, direction, segment, packetNumber, timeUs);

    if ((flags & TCP_FIN) !== 0 && stats.finTimeUs === undefined) {
      stats.finTimeUs = timeUs;
      this.#emit({ kind: "tcp.fin", connection, direction, packetNumber, timeUs });
    }
    if (isRst && stats.rstTimeUs === undefined) {
      stats.rstTimeUs = timeUs;
      this.#emit({ kind: "tcp.rst", connection, direction, packetNumber, timeUs });
    }
    // The end is certain on a RST, or once both FINs are sent and acknowledged.
    if (isRst) this.#end(state, "rst", packetNumber, timeUs);
    else if (state.directions[0].reassembler.finAcknowledged && state.directions[1].reassembler.finAcknowledged) this.#end(state, "fin", packetNumber, timeUs);
    if (timeUs >= this.#nextSweepUs) this.#sweep(timeUs, packetNumber);
  }

  /** End of the capture: every open connection is finished. */
  finish(): void {
    for (const state of this.#byId()) this.#close(state, "end-of-capture", this.#lastPacket, this.#lastTimeUs);
    this.#connections.clear();
    this.#activeCount = 0;
    this.#ended.clear();
    this.#endedQueue = [];
    this.#endedHead = 0;
    this.#endedCount = 0;
  }

  #open(hash: number, sourceWord: number, destinationWord: number, ip: IpPacket, segment: TcpSegment, packetNumber: number,
    timeUs: number): ConnectionState {
    if (this.#activeCount >= this.#limits.maxOpenConnections) this.#evict(packetNumber, timeUs);
    const isSyn = (segment.flags & TCP_SYN) !== 0;
    const isSynAck = isSyn && (segment.flags & TCP_ACK) !== 0;
    let clientDirection: Direction;
    let roleSource: TcpConnection["roleSource"];
    if (isSyn) {
      // The SYN sender is the client; a SYN-ACK is sent by the server.
      clientDirection = isSynAck ? 1 : 0;
      roleSource = isSynAck ? "syn-ack" : "syn";
    } else {
      clientDirection = serverByPort(segment.sourcePort, segment.destinationPort) === 0 ? 1 : 0;
      roleSource = "port";
    }
    const connection: TcpConnection = {
      id: this.#nextId++,
      ipVersion: ip.version,
      a: formatEndpoint(sourceAddress(ip), segment.sourcePort),
      b: formatEndpoint(destinationAddress(ip), segment.destinationPort),
      clientDirection,
      roleSource,
      handshakeSeen: isSyn,
      firstPacket: packetNumber,
      lastPacket: packetNumber,
      firstTimeUs: timeUs,
      lastTimeUs: timeUs,
      directions: [newDirectionStats(), newDirectionStats()],
      closed: false,
      closeReason: undefined,
    };
    const reassemblyLimits = this.#reassemblyLimits;
    const exactWords = ip.addressLength === 4;
    const state: ConnectionState = {
      hash,
      addressLength: ip.addressLength,
      aWord: sourceWord,
      bWord: destinationWord,
      aAddress: exactWords ? EMPTY_BYTES : copyBytes(sourceAddress(ip)),
      aPort: segment.sourcePort,
      bAddress: exactWords ? EMPTY_BYTES : copyBytes(destinationAddress(ip)),
      bPort: segment.destinationPort,
      connection,
      directions: [
        new TrackedDirection(this.#emit, this.#onData, connection, 0, reassemblyLimits),
        new TrackedDirection(this.#emit, this.#onData, connection, 1, reassemblyLimits),
      ],
    };
    const bucket = this.#connections.get(hash);
    if (bucket === undefined) this.#connections.set(hash, [state]);
    else bucket.push(state);
    this.#activeCount++;
    if (this.#nextSweepUs < 0) this.#nextSweepUs = timeUs + SWEEP_INTERVAL_US;
    this.#emit({ kind: "tcp.open", connection, packetNumber, timeUs });
    return state;
  }

  /**
   * A SYN on a tuple we track starts a new connection when its sequence number differs from the
   * SYN we saw (a retransmitted SYN keeps the same one).
   */
  #isNewConnection(state: ConnectionState, direction: Direction, segment: TcpSegment): boolean {
    const previousSyn = state.directions[direction].synSequence;
    if (previousSyn >= 0) return previousSyn !== segment.sequence;
    // No SYN seen from this side before: new only if the old connection carried traffic that
    // this SYN cannot belong to (we joined it mid-way and it has data).
    return state.connection.directions[0].payloadBytes + state.connection.directions[1].payloadBytes > 0;
  }

  #checkPayloadRole(state: ConnectionState, direction: Direction, payload: Uint8Array, packetNumber: number, timeUs: number): void {
    state.directions[direction].payloadRoleChecked = true;
    const connection = state.connection;
    if (isRoleCertain(connection.roleSource)) return;
    const evidence = roleFromPayload(payload);
    if (evidence === undefined) return;
    const clientDirection: Direction = evidence.sender === "client" ? direction : direction === 0 ? 1 : 0;
    connection.clientDirection = clientDirection;
    connection.roleSource = evidence.source;
    this.#emit({ kind: "tcp.roles", connection, roleSource: evidence.source, packetNumber, timeUs });
  }

  #noteWindow(state: ConnectionState, direction: Direction, segment: TcpSegment, packetNumber: number, timeUs: number): void {
    // A zero window is zero at any scale, so scaling does not matter for this check.
    const zero = segment.window === 0;
    const tracked = state.directions[direction];
    if (zero) {
      state.connection.directions[direction].zeroWindowAdvertisements++;
      if (!tracked.windowZero) {
        tracked.zeroWindowSinceUs = timeUs;
        this.#emit({ kind: "tcp.zero-window", connection: state.connection, direction, packetNumber, timeUs });
      }
    } else if (tracked.windowZero) {
      this.#emit({ kind: "tcp.window-reopened", connection: state.connection, direction, zeroSinceUs: tracked.zeroWindowSinceUs, packetNumber, timeUs });
    }
    tracked.windowZero = zero;
  }

  /** Finishes a connection once: flushes both directions and reports `tcp.close`. */
  #close(state: ConnectionState, reason: CloseReason, packetNumber: number, timeUs: number): void {
    const connection = state.connection;
    if (connection.closed) return;
    state.directions[0].reassembler.finish(packetNumber, timeUs);
    state.directions[1].reassembler.finish(packetNumber, timeUs);
    connection.closed = true;
    connection.closeReason = reason;
    this.#emit({ kind: "tcp.close", connection, reason, packetNumber, timeUs });
  }

  /**
   * The connection ended by FIN handshake or RST: reported now (live captures show it at once),
   * its state dropped, and only its tuple remembered a while for its late packets.
   */
  #end(state: ConnectionState, reason: CloseReason, packetNumber: number, timeUs: number): void {
    this.#close(state, reason, packetNumber, timeUs);
    this.#forget(state);
    if (this.#endedCount === MAX_ENDED_TUPLES) this.#forgetEndedBefore(Infinity, 1);
    const ended: EndedTuple = {
      hash: state.hash, addressLength: state.addressLength, aWord: state.aWord, bWord: state.bWord, aAddress: state.aAddress,
      aPort: state.aPort, bAddress: state.bAddress, bPort: state.bPort, endedUs: timeUs, remembered: true,
    };
    const bucket = this.#ended.get(state.hash);
    if (bucket === undefined) this.#ended.set(state.hash, [ended]);
    else bucket.push(ended);
    this.#endedQueue.push(ended);
    this.#endedCount++;
  }

  #findEnded(hash: number, ip: IpPacket, segment: TcpSegment, sourceWord: number, destinationWord: number): EndedTuple | undefined {
    const bucket = this.#ended.get(hash);
    if (bucket === undefined) return undefined;
    for (const ended of bucket) if (matchDirection(ended, ip, segment, sourceWord, destinationWord) >= 0) return ended;
    return undefined;
  }

  /** Forgets ended tuples that ended before `beforeUs`, oldest first, at most `most` of them. */
  #forgetEndedBefore(beforeUs: number, most = Infinity): void {
    const queue = this.#endedQueue;
    let forgotten = 0;
    while (this.#endedHead < queue.length && forgotten < most) {
      const oldest = queue[this.#endedHead]!;
      if (oldest.remembered) {
        if (oldest.endedUs >= beforeUs) break;
        this.#forgetEnded(oldest);
        forgotten++;
      }
      this.#endedHead++;
    }
    // Drop the consumed front once it is most of the array.
    if (this.#endedHead > 1024 && this.#endedHead * 2 > queue.length) {
      this.#endedQueue = queue.slice(this.#endedHead);
      this.#endedHead = 0;
    }
  }

  #forgetEnded(ended: EndedTuple): void {
    ended.remembered = false;
    this.#endedCount--;
    removeFromBucket(this.#ended, ended);
  }

  /** Drops connections idle past the limit. */
  #sweep(nowUs: number, packetNumber: number): void {
    this.#nextSweepUs = nowUs + SWEEP_INTERVAL_US;
    this.#forgetEndedBefore(nowUs - ENDED_LINGER_US);
    for (const state of this.#byId()) {
      const idleUs = nowUs - state.connection.lastTimeUs;
      if (idleUs >= this.#limits.idleConnectionUs) {
        this.#close(state, "idle", packetNumber, nowUs);
        this.#forget(state);
      } else if (idleUs >= RECENT_BYTES_IDLE_US) {
        state.directions[0].reassembler.releaseRecentBytes();
        state.directions[1].reassembler.releaseRecentBytes();
      }
    }
  }

  /**
   * More connections are open than the limit allows: the least recently active eighth of them (at
   * least one) are finished as "evicted" and dropped. Evicting a batch, not one per new
   * connection, keeps the sort's cost per connection small; the eighth least active are the
   * likeliest to be dead already (a SYN flood's half-open connections, peers that vanished).
   */
  #evict(packetNumber: number, timeUs: number): void {
    const byActivity = this.#tracked()
      .sort((x, y) => x.connection.lastTimeUs - y.connection.lastTimeUs || x.connection.id - y.connection.id);
    const count = Math.min(byActivity.length, Math.max(1, Math.floor(this.#limits.maxOpenConnections / 8)));
    for (let i = 0; i < count; i++) {
      const state = byActivity[i]!;
      this.#close(state, "evicted", packetNumber, timeUs);
      this.#forget(state);
    }
  }

  /** Every tracked connection, in no order (buckets keep none). */
  #tracked(): ConnectionState[] {
    return [...this.#connections.values()].flat();
  }

  /** Every tracked connection in the order they were opened. */
  #byId(): ConnectionState[] {
    return this.#tracked().sort((x, y) => x.connection.id - y.connection.id);
  }

  /** Removes a connection from its bucket. */
  #forget(state: ConnectionState): void {
    if (removeFromBucket(this.#connections, state)) this.#activeCount--;
  }
}

/**
 * One direction of a tracked connection: its reassembler, the tracker's facts about its sender
 * (SYN, zero window, role evidence), and what the reassembler finds, as TCP events naming the
 * connection and direction (delivered bytes to `onData` when there is one). One object per
 * direction, not an array per fact and a closure per event kind: a connection's state is alive
 * for its whole life, and short connections come by the thousand.
 */
class TrackedDirection implements ReassemblyOutput {
  readonly reassembler: DirectionReassembler;
  /** The sender's SYN sequence number, or -1 (tells a retransmitted SYN from port reuse). */
  synSequence = -1;
  /** The sender's last advertised window was zero, and since when. */
  windowZero = false;
  zeroWindowSinceUs = 0;
  /** Whether the sender's first payload has been checked for role evidence. */
  payloadRoleChecked = false;
  readonly #emit: TcpEventSink;
  readonly #onData: TcpDataSink | undefined;
  readonly #connection: TcpConnection;
  readonly #direction: Direction;

  constructor(emit: TcpEventSink, onData: TcpDataSink | undefined, connection: TcpConnection, direction: Direction, limits: ReassemblyLimits) {
    this.#emit = emit;
    this.#onData = onData;
    this.#connection = connection;
    this.#direction = direction;
    this.reassembler = new DirectionReassembler(this, connection.directions[direction], limits);
  }

  data(streamOffset: number, bytes: Uint8Array, packetNumber: number, timeUs: number): void {
    if (this.#onData !== undefined) this.#onData(this.#connection, this.#direction, streamOffset, bytes, packetNumber, timeUs);
    else this.#emit({ kind: "tcp.data", connection: this.#connection, direction: this.#direction, streamOffset, bytes, packetNumber, timeUs });
  }

  gap(streamOffset: number, length: number, reason: GapReason, packetNumber: number, timeUs: number): void {
    this.#emit({ kind: "tcp.gap", connection: this.#connection, direction: this.#direction, streamOffset, length, reason, packetNumber, timeUs });
  }

  retransmission(streamOffset: number, length: number, bytesDiffer: boolean | undefined, packetNumber: number, timeUs: number): void {
    this.#emit({ kind: "tcp.retransmission", connection: this.#connection, direction: this.#direction, streamOffset, length, bytesDiffer, packetNumber, timeUs });
  }

  ackStall(durationUs: number, bytesInFlight: number, resolved: boolean, packetNumber: number, timeUs: number): void {
    this.#emit({ kind: "tcp.ack-stall", connection: this.#connection, direction: this.#direction, durationUs, bytesInFlight, resolved, packetNumber, timeUs });
  }
}

/** Removes `item` from its hash bucket (dropping an emptied bucket); false when it was not there. */
function removeFromBucket<T extends { hash: number }>(buckets: Map<number, T[]>, item: T): boolean {
  const bucket = buckets.get(item.hash);
  const index = bucket === undefined ? -1 : bucket.indexOf(item);
  if (index < 0) return false;
  bucket!.splice(index, 1);
  if (bucket!.length === 0) buckets.delete(item.hash);
  return true;
}

/** An IPv4 address as its 32-bit number; for IPv6, its four words folded into one (a hash). */
function addressWord(data: Uint8Array, offset: number, length: number): number {
  let word = 0;
  for (let i = 0; i < length; i += 4) {
    word = Math.imul(word, 0x85ebca6b) ^ ((data[offset + i]! << 24) | (data[offset + i + 1]! << 16) | (data[offset + i + 2]! << 8) | data[offset + i + 3]!);
  }
  return word;
}

function endpointHash(word: number, port: number): number {
  const hash = Math.imul(word ^ Math.imul(port + 1, 0x9e3779b1), 0x85ebca6b);
  return hash ^ (hash >>> 13);
}

/** 0 when the packet goes from a to b, 1 from b to a, -1 when it is not this connection's. */
function matchDirection(state: Endpoints, ip: IpPacket, segment: TcpSegment, sourceWord: number, destinationWord: number): number {
  if (ip.addressLength !== state.addressLength) return -1;
  const sourcePort = segment.sourcePort;
  const destinationPort = segment.destinationPort;
  // For IPv4 the words are the addresses; for IPv6 equal words still need the bytes compared.
  const exact = ip.addressLength === 4;
  if (sourcePort === state.aPort && destinationPort === state.bPort && sourceWord === state.aWord && destinationWord === state.bWord
    && (exact || (sameAddress(ip.data, ip.sourceOffset, state.aAddress) && sameAddress(ip.data, ip.destinationOffset, state.bAddress)))) return 0;
  if (sourcePort === state.bPort && destinationPort === state.aPort && sourceWord === state.bWord && destinationWord === state.aWord
    && (exact || (sameAddress(ip.data, ip.sourceOffset, state.bAddress) && sameAddress(ip.data, ip.destinationOffset, state.aAddress)))) return 1;
  return -1;
}

function sameAddress(data: Uint8Array, offset: number, address: Uint8Array): boolean {
  for (let i = 0; i < address.length; i++) if (data[offset + i] !== address[i]) return false;
  return true;
}
