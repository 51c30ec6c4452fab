import type { bundleConfigs } from './bundles.mjs';
export declare function buildBundles(options?: Parameters<typeof bundleConfigs>[0]): Promise<string[]>;
