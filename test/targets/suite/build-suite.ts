/**
 * Builds the core's abstract buffer suite (test/core/buffer-suite.ts) as one ES5 script for duktape,
 * mujs and the real device engines (Espruino, JerryScript): TypeScript to ES5 with its helpers inlined (a test artifact may use them), `chai` replaced
 * by an ES5 shim, run by prelude.js with a synchronous Promise and the core's virtual-time adapter.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rollup } from 'rollup';
import { minify } from 'terser';
import { hoistDeclarations } from '../../../tools/hoist.mjs';
import typescriptPlugin from '@rollup/plugin-typescript';
import { ROOT } from '../helpers.js';

const typescript = typescriptPlugin as unknown as (options: object) => any;

const ENTRY = '\0buffer-suite-entry';
const CHAI = '\0chai-shim';

/**
 * The ES5 script: prelude + the bundled suite + the report call. `device: true` makes it the way a
 * device bundle is made, for the real engines: minified with terser (unminified, the suite's text
 * alone runs the ESP32 build out of JsVars) and hoisted by tools/hoist.mjs (Espruino does not hoist:
 * tsc's generator helper calls its inner `verb` before that declaration has run).
 */
export async function buildSuiteScript(label: string, options: { device?: boolean } = {}): Promise<string> {
  const entry = `import { bufferSuite } from ${JSON.stringify(join(ROOT, 'test/core/buffer-suite.ts'))};
import { manualRuntime } from ${JSON.stringify(join(ROOT, 'core/index.ts'))};
bufferSuite(${JSON.stringify(label)}, function () {
  var rt = manualRuntime();
  return { adapter: rt, flush: function () { rt.runUntilIdle(); return Promise.resolve(); } };
});
`;
  const bundle = await rollup({
    input: ENTRY,
    onwarn: () => undefined,
    plugins: [
      {
        name: 'suite-entry',
        resolveId(id: string) {
          if (id === ENTRY) return ENTRY;
          if (id === 'chai') return CHAI;
          return null;
        },
        load(id: string) {
          if (id === ENTRY) return entry;
          if (id === CHAI) return readFileSync(join(ROOT, 'test/targets/suite/chai-shim.js'), 'utf8');
          return null;
        },
      },
      typescript({
        tsconfig: false,
        compilerOptions: {
          target: 'ES5',
          module: 'ESNext',
          moduleResolution: 'Bundler',
          lib: ['ES2015'],
          types: [],
          strict: false,
          skipLibCheck: true,
          noCheck: true,
          importHelpers: false,
          noEmitHelpers: false,
          downlevelIteration: false,
          useDefineForClassFields: false,
          noEmit: false,
          declaration: false,
          sourceMap: false,
        },
        include: ['core/**/*.ts', 'test/core/buffer-suite.ts'],
        noEmitOnError: false,
      }),
    ],
  });
  const out = await bundle.generate({ format: 'iife', name: 'bufferSuiteBundle', generatedCode: { preset: 'es5' } });
  await bundle.close();
  const script = readFileSync(join(ROOT, 'test/targets/suite/prelude.js'), 'utf8') + '\n' + out.output[0].code + '\nsuiteReport();\n';
  if (!options.device) return script;
  const min = await minify(script, {
    ecma: 5,
    toplevel: false,
    // Test names and error messages are the output: keep strings and property names as they are.
    compress: { ecma: 5, passes: 1, typeofs: false, keep_fargs: true, hoist_funs: false, hoist_vars: false, unsafe: false },
    mangle: true,
    format: { ecma: 5, comments: false, ascii_only: true, semicolons: true },
  });
  return hoistDeclarations(min.code as string);
}
