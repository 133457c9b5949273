// What the rest of h2scope may use from the HPACK decoder (RFC 7541).

export { HpackDecoder, UNKNOWN_VALUE, unknownEntryName, type HpackDecoderOptions } from "./hpack-decoder.js";
export type { HpackDecodeError, HpackDecodeResult, HpackErrorCode, HpackField } from "./hpack-field.js";
export {
  DEFAULT_HEADER_TABLE_SIZE,
  DEFAULT_MAX_FIELDS_PER_BLOCK,
  DEFAULT_MAX_HEADER_LIST_BYTES,
  DEFAULT_MAX_STRING_BYTES,
  DEFAULT_MAX_TRACKED_TABLE_BYTES,
} from "./hpack-limits.js";
