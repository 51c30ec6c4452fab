/** Runs hello-ring on Node: `node --import tsx examples/hello-ring/main.ts`. */
import { nodeRuntime } from '../../targets/node/index.js';
import { helloRing, Temperature } from './app.js';

const db = helloRing(nodeRuntime(), (line) => console.log(line));
setTimeout(() => {
  const m = db.metrics(Temperature);
  console.log(`metrics: produced=${m.produced} consumed=${m.consumed} dropped=${m.dropped}`);
  db.stop();
}, 1500);
