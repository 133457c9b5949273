// Bounds on what one HPACK decoder holds or produces, with the reason for each number.

/**
 * RFC 9113 §6.5.2: SETTINGS_HEADER_TABLE_SIZE starts at 4,096 octets, so that is both the table's
 * maximum size and the ceiling on size updates until the decoder's side announces otherwise.
 */
export const DEFAULT_HEADER_TABLE_SIZE = 4096;

/**
 * Decoded header-list size per block, counted as RFC 9113 §6.5.2 does (name + value + 32 octets
 * per field, the unit of SETTINGS_MAX_HEADER_LIST_SIZE). Chromium advertises SETTINGS_MAX_HEADER_LIST_SIZE
 * 262,144 (kSpdyMaxHeaderListSize) and refuses more; nginx (32 KiB of header buffers) and Envoy
 * (60 KiB) accept far less. A block past this is not one a browser would take, and without a
 * bound a few KiB of indexed references could make megabytes of strings.
 */
export const DEFAULT_MAX_HEADER_LIST_BYTES = 256 * 1024;

/**
 * Fields per header block. HAProxy (tune.http.maxhdr 101) and Envoy (max_headers_count 100)
 * refuse far fewer; 2,048 leaves room for a cookie split into one field per crumb (RFC 9113
 * §8.2.3). It bounds the objects a block of one-octet indexed fields can make, which the byte
 * limit does not (each such field may cost only a few decoded octets).
 */
export const DEFAULT_MAX_FIELDS_PER_BLOCK = 2048;

/**
 * Octets of one string literal as sent (before Huffman decoding, which can add 60%). No single
 * name or value can fit in a list bounded by DEFAULT_MAX_HEADER_LIST_BYTES if it is longer, and
 * checking before decoding bounds the scratch buffer Huffman strings are decoded into.
 */
export const DEFAULT_MAX_STRING_BYTES = DEFAULT_MAX_HEADER_LIST_BYTES;

/**
 * Octets (per §4.1 accounting) of one dynamic table we keep, whatever size the peers agree on.
 * Chromium's decoder allows 65,536 (kSpdyMaxHeaderTableSize), the most any common peer uses;
 * others stay at 4,096. SETTINGS allows 2^32-1, and a table of tiny entries costs us more in
 * objects than its §4.1 size, so a bound is needed; entries dropped to honour it decode as
 * placeholders ("unknown"), never as wrong fields.
 */
export const DEFAULT_MAX_TRACKED_TABLE_BYTES = 64 * 1024;
