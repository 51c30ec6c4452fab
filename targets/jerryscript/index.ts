/**
 * The JerryScript target: a host-driven runtime (the firmware calls `tick(nowMs)`), the host
 * contract (README.md) and the boot helper board bundles start from. No typed arrays, no Promise.
 */
export { jerryRuntime } from './runtime.js';
export type { JerryRuntimeOptions } from './runtime.js';
export type { HostApi } from './host.js';
export { bootHost, hostPlatform } from './boot.js';
export type { BoardInfo, HostPlatform, HostAppMain } from './boot.js';
