/**
 * The Node target (edge gateway). Additive: other modules of this folder (net.ts, …) add exports
 * below; keep each line independent.
 */
export { nodeRuntime } from './runtime.js';
export type { NodeRuntimeOptions, LogRecord } from './runtime.js';
export { openSerialPort } from './serial.js';
export type { SerialOptions, SerialPortLike } from './serial.js';
export { recvAsync, values, withTimeout } from './async.js';
export type { RecvResult } from './async.js';
export { nodeSockets, toBuffer } from './net.js';
