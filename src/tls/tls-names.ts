// Names for what the hellos carry, as tshark and the RFCs print them.

import { TLS12_CIPHER_SUITES } from "./tls12-record-protection.js";
import { TLS13_CIPHER_SUITES } from "./tls13-record-protection.js";

const VERSIONS: Record<number, string> = { 0x0300: "SSL 3.0", 0x0301: "TLS 1.0", 0x0302: "TLS 1.1", 0x0303: "TLS 1.2", 0x0304: "TLS 1.3" };

export function tlsVersionName(version: number): string {
  return VERSIONS[version] ?? `TLS 0x${version.toString(16).padStart(4, "0")}`;
}

/** IANA name for the suites h2scope can open; hex for the others. */
export function cipherSuiteName(code: number): string {
  return TLS13_CIPHER_SUITES.get(code)?.name ?? TLS12_CIPHER_SUITES.get(code)?.name ?? `0x${code.toString(16).padStart(4, "0")}`;
}
