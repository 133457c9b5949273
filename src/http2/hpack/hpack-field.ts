// What HPACK decoding produces (RFC 7541 §3): header fields, error codes and per-block results.

/**
 * One decoded header field. Names and values are octet strings shown one octet per character
 * (latin1), so no byte is lost; UTF-8 text shows as mojibake but converts back exactly.
 * Fields may be shared with the decoder's tables: treat them as immutable.
 */
export class HpackField {
  readonly name: string;
  readonly value: string;
  /** true when name or value stands for an entry we never saw (the decoder joined mid-way or lost bytes). */
  readonly unknown?: true;
  #pair: readonly [string, string] | undefined;

  constructor(name: string, value: string, unknown = false) {
    this.name = name;
    this.value = value;
    if (unknown) this.unknown = true;
  }

  /**
   * [name, value], made on first use and shared from then on: a table entry referenced by every
   * request of a connection gives every header list the same pair instead of a new one each time.
   */
  get pair(): readonly [string, string] {
    return (this.#pair ??= [this.name, this.value]);
  }
}

/** Why decoding of a header block stopped early (RFC 7541 §4–§6; limits are ours). */
export type HpackErrorCode =
  /** Index 0, or past the tables of a decoder that knows its whole table (§2.3.3). */
  | "invalid-index"
  /** An integer past MAX_HPACK_INTEGER, or with too many continuation octets (§5.1). */
  | "integer-overflow"
  /** EOS inside a Huffman string, or bad padding (§5.2). */
  | "huffman-invalid"
  /** A string literal's length runs past the end of the block (§5.2). */
  | "string-truncated"
  /** A dynamic table size update above the receiver's SETTINGS_HEADER_TABLE_SIZE (§6.3). */
  | "table-size-update-too-large"
  /** A size update after a field, or a required one missing at the start of a block (§4.2). */
  | "table-size-update-misplaced"
  /** Decoded names and values (or one string) past the decoder's limit. */
  | "header-list-too-large"
  /** More fields in one block than the decoder's limit. */
  | "too-many-fields"
  /** The block ends inside a representation. */
  | "block-truncated";

export interface HpackDecodeError {
  code: HpackErrorCode;
  detail: string;
  /** Offset in the block of the first octet of the representation that failed. */
  byteOffset: number;
}

export interface HpackDecodeResult {
  fields: HpackField[];
  /** Fields whose name or value is a placeholder. */
  unknownFields: number;
  /** Set when decoding of this block stopped early; fields holds what came before. */
  error?: HpackDecodeError;
  /** Dynamic table size updates at the start of the block (§6.3), in order; absent when none. */
  tableSizeUpdates?: number[];
}
