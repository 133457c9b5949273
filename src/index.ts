// The library API: analyse capture bytes, get typed events. No CLI, no file system.

export { CaptureAnalyzer } from "./pipeline.js";
export type { AnalysisEvent, AnalyzerOptions, CaptureSummary } from "./pipeline.js";
export type { CapturedPacket, CaptureWarning, DecryptionSecrets } from "./capture/captured-packet.js";
export type { TcpConnection, TcpEvent, Direction, CloseReason } from "./tcp/tcp-events.js";
export type { DirectionStats } from "./tcp/direction-stats.js";
export type { GapReason } from "./tcp/reassembler.js";
export type { RoleSource } from "./tcp/roles.js";
export { H2scopeError, type StopCode } from "./errors.js";
export { DEFAULT_LIMITS, type Limits } from "./limits.js";
