/** Runs hello-single-latest on Node. */
import { nodeRuntime } from '../../targets/node/index.js';
import { helloSingleLatest } from './app.js';

const db = helloSingleLatest(nodeRuntime(), (line) => console.log(line));
setTimeout(() => db.stop(), 400);
