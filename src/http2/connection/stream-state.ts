// Stream states (RFC 9113 §5.1), seen from outside: who sent what, in capture order.
//
//                              +--------+
//                      send PP |        | recv PP
//                     ,--------+  idle  +--------.
//                    /         |        |         \
//                   v          +--------+          v
//            +----------+          |           +----------+
//            |          |          | send H /  |          |
//     ,------+ reserved |          | recv H    | reserved +------.
//     |      | (local)  |          |           | (remote) |      |
//     |      +---+------+          v           +------+---+      |
//     |          |             +--------+             |          |
//     |          |     recv ES |        | send ES     |          |
//     |   send H |     ,-------+  open  +-------.     | recv H   |
//     |          |    /        |        |        \    |          |
//     |          v   v         +---+----+         v   v          |
//     |      +----------+          |           +----------+      |
//     |      |   half-  |          |           |   half-  |      |
//     |      |  closed  |          | send R /  |  closed  |      |
//     |      | (remote) |          | recv R    | (local)  |      |
//     |      +----+-----+          |           +-----+----+      |
//     |           |                |                 |           |
//     |           | send ES /      |       recv ES / |           |
//     |           |  send R /      v        send R / |           |
//     |           |  recv R    +--------+   recv R   |           |
//     | send R /  `----------->|        |<-----------'  send R / |
//     | recv R                 | closed |               recv R   |
//     `----------------------->|        |<-----------------------'
//                              +--------+
//
// An observer has no "local" side: states are named by who has finished sending.

export type StreamState =
  | "idle"
  /** Promised by PUSH_PROMISE; the server has not sent HEADERS yet. */
  | "reserved"
  | "open"
  /** The client has ended its side (END_STREAM); the server may still send. */
  | "half-closed-client"
  /** The server has ended its side; the client may still send. */
  | "half-closed-server"
  | "closed";

export type Peer = "client" | "server";

/** What happened on a stream, as input to the state table. */
export type StreamInput = "headers" | "end-stream" | "push-promise" | "rst-stream";

/**
 * The next state after `sender` did `input`, or undefined when the transition is not allowed
 * (the caller turns that into an anomaly and keeps the stream's state as the frame left it).
 */
export function nextStreamState(state: StreamState, input: StreamInput, sender: Peer): StreamState | undefined {
  if (input === "rst-stream") return state === "idle" ? undefined : "closed";
  switch (state) {
    case "idle":
      if (input === "headers") return "open";
      if (input === "push-promise") return sender === "server" ? "reserved" : undefined;
      return undefined;
    case "reserved":
      // Only the server sends HEADERS on a promised stream; that closes the client's side.
      if (input === "headers") return sender === "server" ? "half-closed-client" : undefined;
      return undefined;
    case "open":
      if (input === "headers") return "open";
      if (input === "end-stream") return sender === "client" ? "half-closed-client" : "half-closed-server";
      return undefined;
    case "half-closed-client":
      if (sender === "client") return undefined;
      if (input === "headers") return "half-closed-client";
      if (input === "end-stream") return "closed";
      return undefined;
    case "half-closed-server":
      if (sender === "server") return undefined;
      if (input === "headers") return "half-closed-server";
      if (input === "end-stream") return "closed";
      return undefined;
    case "closed":
      return undefined;
  }
}

/** Whether `sender` may still send DATA or HEADERS on a stream in `state`. */
export function maySend(state: StreamState, sender: Peer): boolean {
  switch (state) {
    case "open":
      return true;
    case "half-closed-client":
      return sender === "server";
    case "half-closed-server":
      return sender === "client";
    case "reserved":
      return sender === "server";
    default:
      return false;
  }
}
