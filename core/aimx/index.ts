/**
 * AimX v3 remote access (CONTRACT §7): frames, topic patterns, the server session, the client and
 * the byte-stream (COBS) transport. Dependency-free ES5 core code.
 */
export { AIMX_VERSION, versionCompatible, toJson } from './protocol.js';
export type { AimxErrorCode, FrameError } from './protocol.js';
export {
  parseFrame,
  encodeReq,
  encodeReplyOk,
  encodeReplyErr,
  encodeSub,
  encodeSubscribed,
  encodeSnap,
  encodeEvent,
  encodeUnsub,
  encodeWrite,
  PING_FRAME,
  PONG_FRAME,
} from './frame.js';
export type { AimxFrame, ParseResult } from './frame.js';
export { keyMatches, isKeyPattern } from './topic.js';
export type { AimxDatabase } from './db.js';
export { AimxServer, aimxServer } from './server.js';
export type { AimxServerOptions, SessionOpenOptions } from './server.js';
export { AimxSession } from './session.js';
export type { SessionLink, SessionStats } from './session.js';
export { AimxClient, remoteError } from './client.js';
export type { AimxClientOptions, ClientStats, ClientSubscription, SubscriptionHandlers, SubscriptionUpdate } from './client.js';
export { CobsLink, serveAimxOnStream, aimxClientLink } from './stream.js';
export type { CobsLinkOptions } from './stream.js';
export { recordRows, graphNodes, graphEdges } from './rows.js';
