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
export { key, keyTable, keyNameProblem } from './keys.js';
export type { KeyVariant, KeyTable } from './keys.js';
export { ring, singleLatest, mailbox } from './buffers.js';
export type { RingOptions } from './buffers.js';
export { builder, Builder } from './builder.js';
export type { SchedulerOptions } from './builder.js';
export { Database } from './database.js';
export { RecordRegistrar, TransformBuilder, JoinBuilder, OutboundLinkBuilder, InboundLinkBuilder } from './registrar.js';
export type { SourceFn, TapFn, Trigger, JoinHandler, AsyncJoinHandler, TransformSpec } from './config.js';
export { parseLinkUrl } from './links.js';
export type { Serializer, Deserializer } from './links.js';
