import { manualRuntime } from '../../core/index.js';
import { nodeRuntime } from '../../targets/node/index.js';
import { bufferSuite } from './buffer-suite.js';

bufferSuite('the virtual-time adapter', () => {
  const rt = manualRuntime();
  return {
    adapter: rt,
    flush: async () => {
      rt.runUntilIdle();
    },
  };
});

bufferSuite('the Node adapter', () => ({
  adapter: nodeRuntime({ sink: () => {} }),
  // Deliveries are deferred with setImmediate; a few turns of the event loop drain them.
  flush: async () => {
    for (let i = 0; i < 4; i++) await new Promise((r) => setImmediate(r));
  },
}));
