/**
 * Run counts of the fuzz properties: small by default so `make test` stays fast (a few seconds per
 * property); `FUZZ_RUNS=100000 node_modules/.bin/mocha 'test/fuzz/**\/*.test.ts'` digs deeper.
 * `FUZZ_SEED` replays a run.
 */
import fc from 'fast-check';

/** Parameters for `fc.assert`: `base` runs, or `FUZZ_RUNS`. */
export function runs(base: number): fc.Parameters<unknown> {
  const n = Number(process.env.FUZZ_RUNS);
  const p: fc.Parameters<unknown> = { numRuns: n > 0 ? n : base };
  if (process.env.FUZZ_SEED) p.seed = Number(process.env.FUZZ_SEED);
  return p;
}

/** Fails when one input takes longer than `ms` (a hang shows up as a slow case, not a stuck suite). */
export function bounded<T>(ms: number, f: () => T): T {
  const t0 = performance.now();
  const r = f();
  const dt = performance.now() - t0;
  if (dt > ms) throw new Error(`one input took ${dt.toFixed(0)} ms (bound ${ms} ms)`);
  return r;
}

/** Byte chunks: mostly small, with zeros and 0xff more often than uniform. */
export const bytes = (max = 600) =>
  fc.uint8Array({ maxLength: max }).chain((b) => fc.constant(b));

export const noisyBytes = (max = 600) =>
  fc.array(fc.oneof({ weight: 6, arbitrary: fc.integer({ min: 0, max: 255 }) }, { weight: 2, arbitrary: fc.constant(0) }, { weight: 1, arbitrary: fc.constant(0xff) }), { maxLength: max }).map((a) => Uint8Array.from(a));

/** Splits bytes into random chunks. */
export const chunked = (b: fc.Arbitrary<Uint8Array>) =>
  fc.tuple(b, fc.array(fc.integer({ min: 1, max: 64 }), { minLength: 1, maxLength: 20 })).map(([data, cuts]) => {
    const out: Uint8Array[] = [];
    let i = 0;
    let k = 0;
    while (i < data.length) {
      const n = cuts[k++ % cuts.length];
      out.push(data.subarray(i, i + n));
      i += n;
    }
    return { data, chunks: out };
  });
