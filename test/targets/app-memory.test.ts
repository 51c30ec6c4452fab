/**
 * The memory declaration of each app (examples/<app>/app.json → memory.records), which the build's
 * JsVar estimate reads, must describe the database the app really builds: same keys, buffers and
 * ring capacities. Runs each app's source on Node with the virtual-time adapter.
 */
import { expect } from 'chai';
import { readdirSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { manualRuntime } from '../../core/index.js';
import type { Database } from '../../core/index.js';
import { ROOT } from './helpers.js';

const KIND: { [t: string]: string } = { spmc_ring: 'ring', single_latest: 'singleLatest', mailbox: 'mailbox' };

describe('app.json memory declarations', () => {
  const apps = readdirSync(join(ROOT, 'examples')).filter((a) => existsSync(join(ROOT, 'examples', a, 'app.json')));
  for (const app of apps) {
    it(`${app}: declares exactly the records the app builds`, async function () {
      const json = JSON.parse(readFileSync(join(ROOT, 'examples', app, 'app.json'), 'utf8'));
      const mod = await import(join(ROOT, 'examples', app, json.entry));
      const rt = manualRuntime();
      const running: { stop(): void; db: Database } = mod.main({
        runtime: rt,
        print: () => undefined,
        board: { name: 'node', engine: 'node', defaultUart: 'none', network: [] },
        openSerial: () => ({ write: () => undefined, close: () => undefined }),
      });
      if (!running || !running.db) {
        // An app whose main returns no `db` cannot be checked this way.
        if (running) running.stop();
        this.skip();
      }
      try {
        const built = running.db.records().map((r) => ({ key: r.key, buffer: KIND[r.bufferType], capacity: r.bufferCapacity }));
        const declared = json.memory.records.map((r: any) => ({ key: r.key, buffer: r.buffer, capacity: r.buffer === 'ring' ? r.capacity : 1 }));
        const byKey = (a: { key: string }, b: { key: string }) => a.key.localeCompare(b.key);
        expect(declared.sort(byKey)).to.deep.equal(built.sort(byKey));
      } finally {
        running.stop();
      }
    });
  }
});
