// Builds the ES5 bundles. Extended per board and app by tools/bundles.mjs.
import { bundleConfigs } from './tools/bundles.mjs';

export default bundleConfigs();
