/**
 * AimX on Node: transports (TCP, Unix socket, WebSocket, serial), their authentication
 * (`auth.ts`), the Promise client and endpoint URLs. The protocol itself is the core's
 * (`core/aimx`).
 */
export type { MessageConn, AimxListener } from './conn.js';
export { serveConn, newConn, SEND_HIGH_WATER } from './conn.js';
export { LengthPrefixDecoder, LineDecoder, lengthPrefixed, MAX_FRAME_BYTES } from './framing.js';
export { serveTcp, dialTcp, tcpConn } from './tcp.js';
export type { TcpServeOptions } from './tcp.js';
export { serveUnix, dialUnix, lineConn } from './unix.js';
export type { UnixServeOptions } from './unix.js';
export { serveWs, dialWs, wsConn, withVersion } from './ws.js';
export { checkUpgrade, unixSocketMode, upgradeToken, UNIX_SOCKET_MODE, VERSION_PARAM } from './auth.js';
export type { UpgradeVerdict } from './auth.js';
export type { WsServeOptions } from './ws.js';
export { serveStream, serveSerial, dialStream, dialSerial } from './serial.js';
export type { StreamOpener, StreamServeOptions, SerialServeOptions } from './serial.js';
export { memoryStreamPair } from './memstream.js';
export type { StreamEnd } from './memstream.js';
export { parseEndpoint, DEFAULT_BAUD } from './endpoint.js';
export type { Endpoint } from './endpoint.js';
export { AimxConnection, connectAimx, dial } from './client.js';
export type { Welcome, DrainReply, ConnectOptions } from './client.js';
export { serveAimx } from './serve.js';
export { setAimxLimits, gateOf, AimxGate, DEFAULT_LIMITS, peerAddress } from './limits.js';
export type { AimxLimits, GateStats, ConnIo } from './limits.js';
