// Builds the ES5 bundles: dist/aimdb-core.js and dist/<app>.<board>.js for every example app on every
// board it declares (examples/<app>/app.json). See tools/bundles.mjs for the pipeline and checks.
// Filter with AIMDB_APPS=a,b and AIMDB_BOARDS=x,y.
import { bundleConfigs } from './tools/bundles.mjs';

export default bundleConfigs();
