/**
 * AimDB.js core: typed records with buffer semantics, one dependency-free ES5 module for
 * Espruino, JerryScript and Node. See docs/CORE-API.md.
 */
export * from './api.js';
export * from './errors.js';
export * from './bytes.js';
export { DEV } from './dev.js';
export type { LogLevel, RuntimeAdapter, TimerId } from './runtime/adapter.js';
export type { RuntimeContext, Timer, Logger } from './runtime/context.js';
export { manualRuntime } from './runtime/manual.js';
export type { ManualRuntime, ManualRuntimeOptions } from './runtime/manual.js';
