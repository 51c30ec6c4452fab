import { manualRuntime } from '../../core/index.js';
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
