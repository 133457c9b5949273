// Who is the client: the SYN sender when the handshake was captured; otherwise the first bytes
// of payload, and as a last resort the port numbers.

/** How a connection's client and server were told apart (shown to users). */
export type RoleSource =
  | "syn"
  | "syn-ack"
  | "http2-preface"
  | "http1-request"
  | "http1-response"
  | "tls-client-hello"
  | "tls-server-hello"
  /** Joined mid-way: from HTTP/2 frames (who opens odd streams, request vs response headers). */
  | "http2-frames"
  | "port";

/** Sources that rest on what the peers actually did; "port" is only a guess. */
export function isRoleCertain(source: RoleSource): boolean {
  return source !== "port";
}

const HTTP2_PREFACE_START = "PRI * HTTP/2.0";
const HTTP1_METHODS = ["GET ", "POST ", "PUT ", "HEAD ", "DELETE ", "OPTIONS ", "PATCH ", "CONNECT ", "TRACE "];

/**
 * What the first payload bytes a side sent say about its role, or undefined when they say
 * nothing we recognise.
 */
export function roleFromPayload(bytes: Uint8Array): { sender: "client" | "server"; source: RoleSource } | undefined {
  if (bytes.length < 6) return undefined;
  // TLS handshake record (type 22, version 3.x) carrying ClientHello (1) or ServerHello (2).
  if (bytes[0] === 0x16 && bytes[1] === 0x03 && bytes[5] === 0x01) return { sender: "client", source: "tls-client-hello" };
  if (bytes[0] === 0x16 && bytes[1] === 0x03 && bytes[5] === 0x02) return { sender: "server", source: "tls-server-hello" };
  const text = asciiPrefix(bytes, 16);
  if (text.startsWith(HTTP2_PREFACE_START)) return { sender: "client", source: "http2-preface" };
  if (text.startsWith("HTTP/1.")) return { sender: "server", source: "http1-response" };
  for (const method of HTTP1_METHODS) if (text.startsWith(method)) return { sender: "client", source: "http1-request" };
  return undefined;
}

/** Ports that servers listen on: HTTP, HTTPS, their alternates, and gRPC's conventional port. */
const SERVER_PORTS = new Set([80, 443, 8000, 8008, 8080, 8443, 8888, 3000, 5000, 9000, 9090, 50051]);
/** Start of the Linux default ephemeral range (net.ipv4.ip_local_port_range). */
const EPHEMERAL_START = 32768;

/** Which of two ports is more likely the server's: 0 for the first, 1 for the second. */
export function serverByPort(firstPort: number, secondPort: number): 0 | 1 {
  const firstKnown = SERVER_PORTS.has(firstPort);
  const secondKnown = SERVER_PORTS.has(secondPort);
  if (firstKnown !== secondKnown) return firstKnown ? 0 : 1;
  if ((firstPort < 1024) !== (secondPort < 1024)) return firstPort < 1024 ? 0 : 1;
  if ((firstPort >= EPHEMERAL_START) !== (secondPort >= EPHEMERAL_START)) return firstPort < EPHEMERAL_START ? 0 : 1;
  return firstPort <= secondPort ? 0 : 1;
}

function asciiPrefix(bytes: Uint8Array, length: number): string {
  let text = "";
  const end = Math.min(length, bytes.length);
  for (let i = 0; i < end; i++) text += String.fromCharCode(bytes[i]!);
  return text;
}
