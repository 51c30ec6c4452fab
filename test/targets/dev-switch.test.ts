/**
 * The development switch (`DEV` from core/dev.ts) is real: board builds define `__DEV__` false and
 * drop the long messages it guards; on Node (sources run through tsx) the same mistake reads as a
 * sentence. The device build still reports the mistake, by a short tag and the record's key.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { builder, key, manualRuntime, ring } from '../../core/index.js';
import { ensureBuilt, ROOT } from './helpers.js';

// A message that only `if (DEV)` branches carry: a record with a source and a transform.
const DEV_MESSAGE = 'every key has exactly one authoritative producer';

function twoWriters(A: { key: typeof key; builder: typeof builder; manualRuntime: typeof manualRuntime; ring: typeof ring }): string {
  const In = A.key<number>('dev.in', 'N');
  const Out = A.key<number>('dev.out', 'N');
  try {
    A.builder(A.manualRuntime())
      .configure(In, (r) => r.buffer(A.ring(2)))
      .configure(Out, (r) => r.buffer(A.ring(2)).source(() => {}).transform(In, (t) => t.map((v) => v)))
      .build();
  } catch (e) {
    return String((e as Error).message);
  }
  return 'build() did not throw';
}

describe('the development switch', function () {
  this.timeout(600_000);
  before(() => ensureBuilt());

  it('keeps the long message on Node', () => {
    expect(twoWriters({ key, builder, manualRuntime, ring })).to.contain(DEV_MESSAGE);
  });

  it('drops it from dist/aimdb-core.js and from every board bundle', () => {
    expect(readFileSync(join(ROOT, 'dist/aimdb-core.js'), 'utf8')).to.not.contain(DEV_MESSAGE);
    expect(readFileSync(join(ROOT, 'dist/smoke.pico.js'), 'utf8')).to.not.contain(DEV_MESSAGE);
  });

  it('still refuses the configuration in the board build, naming the record and the mistake by a tag', () => {
    const module = { exports: {} as Record<string, unknown> };
    new Function('module', 'exports', readFileSync(join(ROOT, 'dist/aimdb-core.js'), 'utf8'))(module, module.exports);
    const msg = twoWriters(module.exports as never);
    expect(msg).to.not.contain(DEV_MESSAGE);
    expect(msg).to.contain("record 'dev.out': writers");
  });
});
