// Octets to a JS string one-to-one (HTTP field values and origins are octet strings).

const decoder = new TextDecoder("latin1");

export function latin1(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}
