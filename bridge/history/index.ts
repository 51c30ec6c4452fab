/**
 * History at the edge: the gateway keeps chosen records' values in SQLite and answers AimX
 * `record.query` from them. See store.ts (the store), writer.ts (the writer thread), config.ts
 * (the `history:` section).
 */
export { HistoryStore, MAX_VALUE_BYTES } from './store.js';
export type { HistoryStats, HistoryStoreOptions, QueryParams, QueryRecord, QueryReply } from './store.js';
export { checkHistoryConfig, parseDuration } from './config.js';
export type { HistoryConfig } from './config.js';
export type { Row } from './writer.js';
export { historyQueryHandler } from './aimx.js';
export type { AimxQueryParams } from './aimx.js';
