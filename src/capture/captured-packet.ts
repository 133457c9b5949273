// What the capture stage hands on: one packet record, and notes about the input itself.

/** One packet record from the capture file, before any link-layer decoding. */
export interface CapturedPacket {
  /** 1-based position in the file, counting every packet record (Wireshark's frame number). */
  packetNumber: number;
  /** Capture time in microseconds since the Unix epoch (finer resolutions are truncated). */
  timeUs: number;
  /** pcapng interface index (0 for classic pcap). */
  interfaceId: number;
  /** LINKTYPE_* value of the interface that captured the packet. */
  linkType: number;
  /** Bytes on the wire; the captured data may be shorter when the snapshot length cut the packet. */
  originalLength: number;
  /**
   * The captured bytes are `bytes[dataStart, dataEnd)`: usually the input chunk itself (or a copy
   * of a record that straddled two chunks), good only during the sink's call (the caller may
   * refill the chunk). Offsets rather than a view of the packet: a view per record was about a
   * twelfth of all the allocation of a run. capturedData() makes the view.
   */
  bytes: Uint8Array;
  dataStart: number;
  dataEnd: number;
  /** Offset of the packet's record (or block) in the decompressed input. */
  recordOffset: number;
}

export type CaptureWarningCode =
  /** The input ended inside a record: the partial record is dropped. */
  | "truncated-record"
  /** A packet on a link type we cannot decode: counted and skipped. */
  | "unknown-link-type"
  /** A pcapng block that is malformed but could be stepped over. */
  | "malformed-block"
  /** A record whose captured length exceeds its original length, or similar oddity we tolerate. */
  | "odd-record"
  /** More TCP connections were open at once than Limits.maxOpenConnections: some were evicted. */
  | "connections-evicted";

export interface CaptureWarning {
  kind: "capture.warning";
  code: CaptureWarningCode;
  message: string;
  /** Packet number the warning is about, when it is about one packet. */
  packetNumber?: number;
  /** Byte offset in the decompressed input. */
  byteOffset?: number;
}

/** A pcapng Decryption Secrets Block, kept for TLS decryption (RFC draft-ietf-opsawg-pcapng §4.7). */
export interface DecryptionSecrets {
  /** Secrets type, e.g. 0x544c534b "TLSK" for a TLS key log. */
  secretsType: number;
  data: Uint8Array;
  byteOffset: number;
}

/** An empty packet record for a decoder to fill in place for each record. */
export function newCapturedPacket(): CapturedPacket {
  return { packetNumber: 0, timeUs: 0, interfaceId: 0, linkType: 0, originalLength: 0, bytes: new Uint8Array(0), dataStart: 0, dataEnd: 0, recordOffset: 0 };
}

/** The packet's captured bytes as a view (good only during the sink's call, as the packet is). */
export function capturedData(packet: CapturedPacket): Uint8Array {
  return packet.bytes.subarray(packet.dataStart, packet.dataEnd);
}

/** Receives what a capture decoder finds, in file order. */
export interface CaptureSink {
  /**
   * One packet record. The object is the decoder's own and is filled anew for the next record
   * (one object per packet was 7% of all allocation): keep its fields (copying its bytes), not it.
   */
  packet(packet: CapturedPacket): void;
  warning(warning: CaptureWarning): void;
  secrets(secrets: DecryptionSecrets): void;
}

/** A sans-I/O decoder of one capture file format: push bytes, get packets through the sink. */
export interface CaptureDecoder {
  push(chunk: Uint8Array): void;
  /** End of input: reports a record cut short. */
  end(): void;
  /** Description of the format for summaries, e.g. "pcap (nanosecond, big-endian)". */
  readonly formatName: string;
  /** The number of the last packet record read, skipped ones included (the next part of a capture numbers on from it). */
  readonly lastPacketNumber: number;
}

/** The warning for input that ends inside a record: everything before it was read. */
export function truncatedRecordWarning(nextPacketNumber: number, byteOffset: number, bytesLeft: number, what: string): CaptureWarning {
  return {
    kind: "capture.warning",
    code: "truncated-record",
    message: `the capture ends inside ${what} (${bytesLeft} bytes at offset ${byteOffset} dropped); every packet before it was read`,
    packetNumber: nextPacketNumber,
    byteOffset,
  };
}
