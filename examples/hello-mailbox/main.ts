/** Runs hello-mailbox on Node. */
import { nodeRuntime } from '../../targets/node/index.js';
import { helloMailbox, ValveCommand } from './app.js';

const db = helloMailbox(nodeRuntime(), (line) => console.log(line));
setTimeout(() => {
  const m = db.metrics(ValveCommand);
  console.log(`metrics: produced=${m.produced} consumed=${m.consumed} dropped=${m.dropped}`);
  db.stop();
}, 400);
