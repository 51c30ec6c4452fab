/**
 * The browser globals this target uses, typed and declared in this module only (the target compiles
 * against lib ES5 like the core, so no DOM typings leak into it). Everything is reached through
 * {@link browserGlobal} so that the bundle loads without a ReferenceError on an engine that lacks
 * one of them (a Web Worker has no `window`; an old engine no `MessageChannel`).
 */

/** The subset of `WebSocket` the MQTT transport uses. */
export interface BrowserWebSocket {
  binaryType: string;
  readonly readyState: number;
  readonly bufferedAmount: number;
  onopen: ((ev: unknown) => void) | null;
  onmessage: ((ev: { data: unknown }) => void) | null;
  onerror: ((ev: unknown) => void) | null;
  onclose: ((ev: { code: number; reason: string }) => void) | null;
  send(data: Uint8Array): void;
  close(code?: number, reason?: string): void;
}

/** `new WebSocket(url, protocols)`. */
export interface BrowserWebSocketCtor {
  new (url: string, protocols?: string | string[]): BrowserWebSocket;
}

/** A `MessageChannel` (the fastest macrotask a page can post to itself). */
export interface BrowserMessageChannel {
  port1: { onmessage: ((ev: unknown) => void) | null };
  port2: { postMessage(msg: unknown): void };
}

/** What the target reads from the page's global object. */
export interface BrowserGlobal {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(id: unknown): void;
  performance?: { now(): number };
  WebSocket?: BrowserWebSocketCtor;
  MessageChannel?: { new (): BrowserMessageChannel };
  console?: { log(...args: unknown[]): void; warn(...args: unknown[]): void; error(...args: unknown[]): void };
}

declare var self: BrowserGlobal | undefined;
declare var window: BrowserGlobal | undefined;

/** The page's (or worker's) global object. */
export function browserGlobal(): BrowserGlobal {
  if (typeof self !== 'undefined' && self) return self;
  if (typeof window !== 'undefined' && window) return window;
  throw new Error('browser target: no window or self global');
}
