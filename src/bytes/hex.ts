// Hex formatting for messages and JSON output.

/** Lower-case hex of `bytes`, e.g. "a1b2c3d4". */
export function toHex(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i++) out += bytes[i]!.toString(16).padStart(2, "0");
  return out;
}
