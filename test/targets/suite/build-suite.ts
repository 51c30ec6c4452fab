/**
 * Builds the core's abstract buffer suite (test/core/buffer-suite.ts) as one ES5 script for duktape
 * and mujs: TypeScript to ES5 with its helpers inlined (a test artifact may use them), `chai` replaced
 * by an ES5 shim, run by prelude.js with a synchronous Promise and the core's virtual-time adapter.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { rollup } from 'rollup';
import typescriptPlugin from '@rollup/plugin-typescript';
import { ROOT } from '../helpers.js';

const typescript = typescriptPlugin as unknown as (options: object) => any;

const ENTRY = '\0buffer-suite-entry';
const CHAI = '\0chai-shim';

/** The ES5 script: prelude + the bundled suite + the report call. */
export async function buildSuiteScript(label: string): Promise<string> {
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
  return readFileSync(join(ROOT, 'test/targets/suite/prelude.js'), 'utf8') + '\n' + out.output[0].code + '\nsuiteReport();\n';
}
