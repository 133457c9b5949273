// RFC 7540 §6.2/§6.3 priority fields: E bit, 31-bit stream dependency, weight − 1.

import type { PriorityFields } from "./frame.js";
import { readUint31 } from "./read-u32.js";

export const PRIORITY_FIELDS_LENGTH = 5;

export function parsePriorityFields(bytes: Uint8Array, offset: number): PriorityFields {
  return {
    exclusive: (bytes[offset]! & 0x80) !== 0,
    dependsOn: readUint31(bytes, offset),
    weight: bytes[offset + 4]! + 1,
  };
}
