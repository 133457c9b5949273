// Every bound h2scope puts on memory or work, with the reason for its number.

export interface Limits {
  /**
   * Largest packet record we accept. libpcap and Wireshark cap packets at 262,144 bytes
   * (MAXIMUM_SNAPLEN / WTAP_MAX_PACKET_SIZE_STANDARD); a length beyond both that and the file's
   * own snapshot length is damage, not a packet, and reading on would swallow the rest of the file.
   */
  maxPacketBytes: number;
  /**
   * Largest pcapng block. Packet blocks are bounded by maxPacketBytes; other blocks (name
   * resolution, decryption secrets) can be larger, but 16 MiB is Wireshark's own block limit.
   */
  maxBlockBytes: number;
  /**
   * Out-of-order bytes buffered per TCP direction while waiting for a hole to fill. A real hole
   * fills within one RTT of retransmission; 4 MiB covers a full 64 KiB × wscale window many times.
   * Past it the hole is declared a gap and delivery goes on.
   */
  maxOutOfOrderBytesPerDirection: number;
  /**
   * Out-of-order bytes buffered across all connections. A capture that misses packets of many
   * connections at once (the capture host dropped them, or it sees only one direction, so no ACK
   * ever shows the hole was passed) would otherwise hold up to the per-direction limit in every
   * direction. Past it, a direction that buffers more gives up its first hole (a gap) instead.
   * 64 MiB holds sixteen directions at their own limit.
   */
  maxOutOfOrderBytesTotal: number;
  /**
   * Recently delivered bytes kept per TCP direction (a ring, allocated on first data, freed
   * when the connection idles) to check that a retransmission carries the same bytes as the
   * original. Retransmissions and duplicates repeat the last window's worth of segments;
   * 16 KiB covers the usual case and keeps 10,000 busy connections within 320 MiB.
   */
  maxRetransmitCheckBytesPerDirection: number;
  /**
   * Capture-time idle after which a connection's state is finished and dropped (microseconds).
   * Keeps memory bounded over long captures; 10 minutes is beyond any TCP retransmission timeout.
   */
  idleConnectionUs: number;
  /**
   * TCP connections tracked at once. Each costs some 3 KB before it carries HTTP/2 and about 15
   * KB with it (TCP, HTTP/2 and rule state), so a SYN flood or a capture of a busy load balancer
   * could otherwise grow without bound. Past it the least recently active eighth are evicted:
   * reported closed ("evicted"), their later packets taken as new connections joined mid-way.
   * 50,000 covers a busy server's open connections: 150-750 MB of state at most.
   */
  maxOpenConnections: number;
  /**
   * An ACK stall (bytes in flight, no ACK progress) at least this long becomes a `tcp.ack-stall`
   * event. 1 s is Linux's initial RTO (RFC 6298): a stall that long already cost a timeout.
   */
  ackStallUs: number;
  /**
   * Largest HTTP/2 header block assembled from HEADERS/PUSH_PROMISE and CONTINUATION frames.
   * Servers cap the decoded list at 16-64 KiB (SETTINGS_MAX_HEADER_LIST_SIZE); 1 MiB of encoded
   * block is far past any real request and stops a CONTINUATION flood from growing memory.
   */
  maxHeaderBlockBytes: number;
  /**
   * HTTP/2 streams tracked at once per connection. Servers allow 100-1000 concurrent streams;
   * 100,000 covers a long-lived gRPC connection's open streams with room to spare.
   */
  maxStreamsPerConnection: number;
}

export const DEFAULT_LIMITS: Readonly<Limits> = Object.freeze({
  maxPacketBytes: 262_144,
  maxBlockBytes: 16 * 1024 * 1024,
  maxOutOfOrderBytesPerDirection: 4 * 1024 * 1024,
  maxOutOfOrderBytesTotal: 64 * 1024 * 1024,
  maxRetransmitCheckBytesPerDirection: 16 * 1024,
  idleConnectionUs: 10 * 60 * 1_000_000,
  maxOpenConnections: 50_000,
  ackStallUs: 1_000_000,
  maxHeaderBlockBytes: 1024 * 1024,
  maxStreamsPerConnection: 100_000,
});

/**
 * Connections whose details a final report (`analyze`, `connections` table and JSON) keeps by
 * default; the rest are counted. A view is 1.5-2 KB as JSON (a few KB in memory), so 10,000
 * stay within tens of MB, while a capture of a million short connections would otherwise keep
 * every one until the end. Connections with findings are always kept. `--max-connections`.
 */
export const DEFAULT_MAX_REPORTED_CONNECTIONS = 10_000;

/**
 * Findings of one rule that a final report (`analyze` table, markdown, JSON) keeps by default;
 * the rest are counted by rule (and by severity, for the summary and the exit code). A finding
 * with its evidence is 1-3 KB and keeps its connection's view, so a rule firing on every one of
 * a million connections would otherwise hold gigabytes; 1,000 of one kind are more than anyone
 * reads. NDJSON and --follow print every finding as it is raised. `--max-findings-per-rule`.
 */
export const DEFAULT_MAX_REPORTED_FINDINGS_PER_RULE = 1_000;

/**
 * Closed HTTP/2 streams the rules keep per connection, to tie a late frame to the request it
 * answers and to time cancelled requests (a client's 4 s deadline against a 10 s response, with
 * many requests in between under load). The oldest are forgotten first.
 */
export const MAX_CLOSED_STREAMS_PER_CONNECTION = 1024;

/**
 * Closed HTTP/2 streams kept across all connections, the oldest forgotten first. A record is
 * ~150-200 bytes, so 65,536 stay near 12 MiB; without it 10,000 busy connections could keep
 * 1,024 each, over 1.5 GiB.
 */
export const MAX_CLOSED_STREAMS = 65_536;

/**
 * Ended TCP connections' 4-tuples remembered at most, for their late packets (the oldest
 * forgotten first): 150-200 bytes each with their bucket and queue slots, so at most about
 * 12 MiB however fast a capture opens and closes connections.
 */
export const MAX_ENDED_TUPLES = 65_536;
