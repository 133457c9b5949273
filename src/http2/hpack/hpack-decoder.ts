// HPACK header block decoding for one direction of a connection (RFC 7541 §3, §6), tolerant of a
// dynamic table it only partly knows.

import { DynamicTable, ENTRY_OVERHEAD } from "./dynamic-table.js";
import { HpackField, type HpackDecodeError, type HpackDecodeResult, type HpackErrorCode } from "./hpack-field.js";
import { decodePrefixInteger, MAX_HPACK_INTEGER, type IntegerCursor, type IntegerStatus } from "./hpack-integer.js";
import {
  DEFAULT_HEADER_TABLE_SIZE,
  DEFAULT_MAX_FIELDS_PER_BLOCK,
  DEFAULT_MAX_HEADER_LIST_BYTES,
  DEFAULT_MAX_STRING_BYTES,
  DEFAULT_MAX_TRACKED_TABLE_BYTES,
} from "./hpack-limits.js";
import { decodeHuffman, HUFFMAN_EOS_IN_STRING, huffmanDecodedMaxLength } from "./huffman.js";
import { latin1Text } from "./latin1-text.js";
import { STATIC_TABLE, STATIC_TABLE_LENGTH } from "./static-table.js";

export type { HpackDecodeError, HpackDecodeResult, HpackErrorCode, HpackField } from "./hpack-field.js";

export interface HpackDecoderOptions {
  /** Decoded name + value octets per block; default DEFAULT_MAX_HEADER_LIST_BYTES. */
  maxHeaderListBytes?: number;
  /** Fields per block; default DEFAULT_MAX_FIELDS_PER_BLOCK. */
  maxFieldsPerBlock?: number;
  /** Octets of one string literal as sent; default DEFAULT_MAX_STRING_BYTES. */
  maxStringBytes?: number;
  /** Octets of dynamic table kept (§4.1 accounting); default DEFAULT_MAX_TRACKED_TABLE_BYTES. */
  maxTrackedTableBytes?: number;
}

/** Name of a field that refers to HPACK index `index`, an entry we never saw. */
export function unknownEntryName(index: number): string {
  return `<unknown entry ${index}>`;
}

/** Value of a field that refers to an entry we never saw. */
export const UNKNOWN_VALUE = "<unknown>";

/**
 * Decodes what one endpoint's HPACK encoder produced, block by block, in order. A passive
 * observer needs one per direction of a connection.
 *
 * Tolerance: after desynchronize() (or an error that stops a block), entries added from then on
 * are exact, and a reference past them is to an entry we never saw: it decodes as a placeholder
 * field (`unknown: true`, counted in unknownFields) and decoding goes on. Such entries are always
 * the oldest, so eviction removes them first, and the decoder becomes synchronized again once the
 * known entries fill the table (or a size update to 0 empties it). A decoder that knows its whole
 * table treats the same reference as the RFC does: `invalid-index`.
 *
 * Errors never throw: they end up in the result, and an error that stops a block leaves the
 * decoder desynchronized, since the rest of the block may have changed the table.
 */
export class HpackDecoder {
  readonly #table: DynamicTable;
  readonly #maxHeaderListBytes: number;
  readonly #maxFieldsPerBlock: number;
  readonly #maxStringBytes: number;
  /** Ceiling on size updates: the decoding side's SETTINGS_HEADER_TABLE_SIZE, once ACKed. */
  #tableSizeLimit = DEFAULT_HEADER_TABLE_SIZE;
  /** The limit dropped below the table's maximum size: the next block must start with a size update. */
  #sizeUpdateRequired = false;
  readonly #integer: IntegerCursor = { value: 0, offset: 0 };
  /** Offset just past the last string #readString read. */
  #stringEnd = 0;
  /** Why the last #read* or #lookup call failed. */
  #failureCode: HpackErrorCode = "block-truncated";
  #failureDetail = "";

  constructor(options: HpackDecoderOptions = {}) {
    this.#maxHeaderListBytes = options.maxHeaderListBytes ?? DEFAULT_MAX_HEADER_LIST_BYTES;
    this.#maxFieldsPerBlock = options.maxFieldsPerBlock ?? DEFAULT_MAX_FIELDS_PER_BLOCK;
    this.#maxStringBytes = options.maxStringBytes ?? DEFAULT_MAX_STRING_BYTES;
    this.#table = new DynamicTable(DEFAULT_HEADER_TABLE_SIZE, options.maxTrackedTableBytes ?? DEFAULT_MAX_TRACKED_TABLE_BYTES);
  }

  /** Whether the whole dynamic table is known, names included, so no reference decodes as a placeholder. */
  get synchronized(): boolean {
    return this.#table.fullyKnown;
  }

  /** Current dynamic table size in octets (§4.1), counting only the entries we know. */
  get tableSize(): number {
    return this.#table.size;
  }

  /**
   * SETTINGS_HEADER_TABLE_SIZE of the receiving side, once ACKed: the upper bound the encoder's
   * size updates must respect (§4.2, §6.3). Call it between blocks, in capture order.
   */
  setTableSizeLimit(bytes: number): void {
    this.#tableSizeLimit = bytes;
    if (bytes < this.#table.maxSize) {
      // §4.2: the encoder MUST signal a maximum size within the new limit at the start of its next
      // block. The table may not be larger than the limit from now on anyway, so shrink it now
      // (as nghttp2 does) and check that the update comes.
      this.#table.setMaxSize(bytes);
      this.#sizeUpdateRequired = true;
    }
  }

  /** We joined the connection mid-way, or a TCP gap lost bytes: the table's earlier contents are unknown from here on. */
  desynchronize(): void {
    this.#forgetTable();
    // Whether the lost bytes held the required update is unknowable: stop expecting it.
    this.#sizeUpdateRequired = false;
  }

  /**
   * Decodes one complete header block (a HEADERS or PUSH_PROMISE fragment with its CONTINUATIONs
   * joined). `block` is only read during the call. Past a limit (fields, list size) the result
   * stops growing but the rest of the block is still read, so the table stays exact.
   */
  decode(block: Uint8Array): HpackDecodeResult {
    this.#sizeUpdates = undefined;
    const result = this.#decodeBlock(block);
    if (this.#sizeUpdates !== undefined) result.tableSizeUpdates = this.#sizeUpdates;
    return result;
  }

  /** Dynamic table size updates of the block being decoded, in order (made at the first: most blocks have none). */
  #sizeUpdates: number[] | undefined;

  #decodeBlock(block: Uint8Array): HpackDecodeResult {
    const source = block;
    const end = source.length;
    const fields: HpackField[] = [];
    let unknownFields = 0;
    let listBytes = 0;
    /** A limit reached: fields stop here, table upkeep goes on. */
    let limitError: HpackDecodeError | undefined;
    let fieldSeen = false;
    let offset = 0;

    if (this.#sizeUpdateRequired) {
      this.#sizeUpdateRequired = false;
      if (end === 0 || (source[0]! & 0xe0) !== 0x20) {
        this.#failureCode = "table-size-update-misplaced";
        this.#failureDetail = `the table size limit dropped to ${this.#tableSizeLimit}: this block must start with a dynamic table size update (§4.2)`;
        return this.#stop(fields, unknownFields, limitError, 0);
      }
    }

    while (offset < end) {
      const start = offset;
      const first = source[offset]!;
      let field: HpackField;

      if (first & 0x80) {
        // §6.1 Indexed Header Field: 1xxxxxxx, index with a 7-bit prefix.
        if (!this.#readInteger(source, offset, 7, "index")) return this.#stop(fields, unknownFields, limitError, start);
        offset = this.#integer.offset;
        const found = this.#lookup(this.#integer.value);
        if (found === undefined) return this.#stop(fields, unknownFields, limitError, start);
        field = found;
      } else if ((first & 0xe0) === 0x20) {
        // §6.3 Dynamic Table Size Update: 001xxxxx, new maximum size with a 5-bit prefix.
        if (!this.#readInteger(source, offset, 5, "table size")) return this.#stop(fields, unknownFields, limitError, start);
        offset = this.#integer.offset;
        const maxSize = this.#integer.value;
        if (fieldSeen) {
          // §4.2: the update "MUST occur at the beginning of the first header block following the change".
          this.#failureCode = "table-size-update-misplaced";
          this.#failureDetail = `dynamic table size update to ${maxSize} after a header field (§4.2)`;
          return this.#stop(fields, unknownFields, limitError, start);
        }
        if (maxSize > this.#tableSizeLimit) {
          // §6.3: "A value that exceeds this limit MUST be treated as a decoding error."
          this.#failureCode = "table-size-update-too-large";
          this.#failureDetail = `dynamic table size update to ${maxSize} exceeds SETTINGS_HEADER_TABLE_SIZE ${this.#tableSizeLimit} (§6.3)`;
          return this.#stop(fields, unknownFields, limitError, start);
        }
        this.#table.setMaxSize(maxSize);
        (this.#sizeUpdates ??= []).push(maxSize);
        continue;
      } else {
        // §6.2 Literal Header Field: with incremental indexing 01xxxxxx (6-bit index prefix),
        // without indexing 0000xxxx or never indexed 0001xxxx (4-bit prefix). Index 0: literal name.
        const indexing = (first & 0x40) !== 0;
        // Past a limit, a literal the table does not keep is only skipped over.
        const materialize = limitError === undefined || indexing;
        if (!this.#readInteger(source, offset, indexing ? 6 : 4, "name index")) return this.#stop(fields, unknownFields, limitError, start);
        offset = this.#integer.offset;
        const nameIndex = this.#integer.value;
        let name: string | undefined;
        let nameUnknown = false;
        if (nameIndex === 0) {
          name = this.#readString(source, offset, materialize);
          if (name === undefined) return this.#stop(fields, unknownFields, limitError, start);
          offset = this.#stringEnd;
        } else {
          const named = this.#lookup(nameIndex);
          if (named === undefined) return this.#stop(fields, unknownFields, limitError, start);
          name = named.name;
          nameUnknown = named.unknown === true;
        }
        const value = this.#readString(source, offset, materialize);
        if (value === undefined) return this.#stop(fields, unknownFields, limitError, start);
        offset = this.#stringEnd;
        fieldSeen = true;
        if (!materialize) continue;
        field = new HpackField(name, value, nameUnknown);
        if (indexing) {
          // §4.1 size. A name we never saw counts as 0 octets (not the placeholder's length), so
          // the size is a lower bound: we may keep entries the encoder has evicted, which only
          // matters for references it cannot make, never drop one it still has.
          this.#table.add(field, ENTRY_OVERHEAD + (nameUnknown ? 0 : name.length) + value.length);
        }
      }

      fieldSeen = true;
      if (limitError !== undefined) continue;
      if (fields.length === this.#maxFieldsPerBlock) {
        limitError = { code: "too-many-fields", detail: `more than ${this.#maxFieldsPerBlock} fields in one block`, byteOffset: start };
        continue;
      }
      // RFC 9113 §6.5.2 sizes a header list as name + value + 32 octets per field, as
      // SETTINGS_MAX_HEADER_LIST_SIZE (and Wireshark's own limit) count it.
      listBytes += field.name.length + field.value.length + ENTRY_OVERHEAD;
      if (listBytes > this.#maxHeaderListBytes) {
        limitError = { code: "header-list-too-large", detail: `the decoded header list passes ${this.#maxHeaderListBytes} octets (name + value + 32 per field, RFC 9113 §6.5.2)`, byteOffset: start };
        continue;
      }
      fields.push(field);
      if (field.unknown) unknownFields++;
    }

    return limitError === undefined ? { fields, unknownFields } : { fields, unknownFields, error: limitError };
  }

  /** Ends a block early with the failure #failureCode says (or an earlier limit error), desynchronizing. */
  #stop(fields: HpackField[], unknownFields: number, limitError: HpackDecodeError | undefined, byteOffset: number): HpackDecodeResult {
    this.#forgetTable();
    // A limit error came first and already says why `fields` ends where it does.
    const error = limitError ?? { code: this.#failureCode, detail: this.#failureDetail, byteOffset };
    return { fields, unknownFields, error };
  }

  #forgetTable(): void {
    this.#table.forgetAll();
    // A lost size update may have changed the maximum size; the limit is the most it can be, and
    // assuming the most never evicts an entry the encoder still has.
    this.#table.setMaxSize(this.#tableSizeLimit);
  }

  /** HPACK index → field (§2.3.3), a placeholder for an entry we never saw, or undefined on error. */
  #lookup(index: number): HpackField | undefined {
    if (index === 0) {
      this.#failureCode = "invalid-index";
      this.#failureDetail = "index 0 is not used (§6.1)";
      return undefined;
    }
    if (index <= STATIC_TABLE_LENGTH) return STATIC_TABLE[index];
    const entry = this.#table.get(index - STATIC_TABLE_LENGTH);
    if (entry !== undefined) return entry;
    if (this.#table.olderEntriesUnknown) return new HpackField(unknownEntryName(index), UNKNOWN_VALUE, true);
    this.#failureCode = "invalid-index";
    this.#failureDetail = `index ${index} is past the ${STATIC_TABLE_LENGTH + this.#table.length} entries of the static and dynamic tables (§2.3.3)`;
    return undefined;
  }

  /** §5.1 integer at `offset` into #integer; false (with the failure set) when it cannot be read. */
  #readInteger(source: Uint8Array, offset: number, prefixBits: number, what: string): boolean {
    const status: IntegerStatus = decodePrefixInteger(source, offset, prefixBits, this.#integer);
    if (status === "ok") return true;
    if (status === "truncated") {
      this.#failureCode = "block-truncated";
      this.#failureDetail = `the block ends inside an integer (${what})`;
    } else {
      this.#failureCode = "integer-overflow";
      this.#failureDetail = `integer (${what}) above ${MAX_HPACK_INTEGER} or too long (§5.1)`;
    }
    return false;
  }

  /**
   * §5.2 string literal at `offset`; sets #stringEnd past it. With `materialize` false only its
   * length is checked and "" is returned (a field past a limit that the table does not keep).
   * Returns undefined (with the failure set) when the string cannot be read.
   */
  #readString(source: Uint8Array, offset: number, materialize: boolean): string | undefined {
    if (offset >= source.length) {
      this.#failureCode = "block-truncated";
      this.#failureDetail = "the block ends before a string literal";
      return undefined;
    }
    const huffman = (source[offset]! & 0x80) !== 0;
    if (!this.#readInteger(source, offset, 7, "string length")) return undefined;
    const length = this.#integer.value;
    const start = this.#integer.offset;
    if (length > this.#maxStringBytes) {
      this.#failureCode = "header-list-too-large";
      this.#failureDetail = `a string literal of ${length} octets passes the ${this.#maxStringBytes}-octet limit`;
      return undefined;
    }
    const stringEnd = start + length;
    if (stringEnd > source.length) {
      this.#failureCode = "string-truncated";
      this.#failureDetail = `a string literal of ${length} octets has only ${source.length - start} left in the block`;
      return undefined;
    }
    this.#stringEnd = stringEnd;
    if (!materialize) return "";
    if (!huffman) return latin1Text(source, start, stringEnd);
    const output = huffmanScratch(length);
    const decodedLength = decodeHuffman(source, start, stringEnd, output);
    if (decodedLength < 0) {
      this.#failureCode = "huffman-invalid";
      this.#failureDetail = decodedLength === HUFFMAN_EOS_IN_STRING
        ? "EOS symbol inside a Huffman-coded string (§5.2)"
        : "Huffman padding longer than 7 bits or not all ones (§5.2)";
      return undefined;
    }
    return latin1Text(output, 0, decodedLength);
  }
}

/**
 * One scratch buffer for Huffman output, shared by every decoder: decoding is synchronous and each
 * string is copied out before the next one starts, and per-decoder buffers would cost memory per
 * connection. It only grows, to at most huffmanDecodedMaxLength of the largest maxStringBytes.
 */
let sharedHuffmanOutput = Buffer.allocUnsafe(4096);

function huffmanScratch(encodedLength: number): Buffer {
  const needed = huffmanDecodedMaxLength(encodedLength);
  if (sharedHuffmanOutput.length < needed) sharedHuffmanOutput = Buffer.allocUnsafe(needed);
  return sharedHuffmanOutput;
}
