/**
 * The browser target: the same ES5 core in a web page. A runtime adapter on the page's timers, and a
 * WebSocket byte transport for the core's own MQTT client, so a page declares records, links them
 * to a broker and reads them exactly as a board does. `dist/aimdb-browser.js` bundles this module
 * with the core's public API as one script that defines the global `AimDB`.
 */
export { browserRuntime } from './runtime.js';
export type { BrowserRuntimeOptions } from './runtime.js';
export { webSocketSockets, chunkBytes } from './websocket.js';
export type { WebSocketSocketsOptions } from './websocket.js';
export { browserGlobal } from './globals.js';
export type { BrowserGlobal, BrowserWebSocket, BrowserWebSocketCtor } from './globals.js';
