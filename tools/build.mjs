#!/usr/bin/env node
// Runs the bundle configurations of tools/bundles.mjs through Rollup's API, leaving out the bundles
// that are newer than all of their inputs (`make build` when nothing changed, `aimdb build` in a
// user's project). `--all` rebuilds everything; AIMDB_APPS / AIMDB_BOARDS filter as for `rollup -c`.
import { rollup } from 'rollup';
import { pathToFileURL } from 'node:url';
import { bundleConfigs } from './bundles.mjs';

/**
 * Builds the bundles; resolves with the output files written (empty when everything was fresh).
 * Rejects with Rollup's error (its message names the failing check and the source file).
 * @param {Parameters<typeof bundleConfigs>[0]} options
 */
export async function buildBundles(options = {}) {
  const written = [];
  for (const config of bundleConfigs({ skipFresh: true, ...options })) {
    const bundle = await rollup({ ...config, onwarn: config.onwarn ?? ((w, warn) => warn(w)) });
    try {
      for (const out of Array.isArray(config.output) ? config.output : [config.output]) {
        await bundle.write(out);
        if (out.file) written.push(out.file);
      }
    } finally {
      await bundle.close();
    }
  }
  return written;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  try {
    const written = await buildBundles({ skipFresh: !process.argv.includes('--all') });
    console.log(written.length ? `build: ${written.length} bundle(s) written` : 'build: every bundle is up to date');
  } catch (e) {
    console.error(`build: ${e.message}`);
    process.exit(1);
  }
}
