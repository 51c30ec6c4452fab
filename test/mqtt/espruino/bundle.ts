/**
 * Builds the Espruino MQTT test program (device.ts) the way board bundles are built
 * (tools/bundles.mjs): TypeScript to ES5 with the device settings (a construct that needs a tslib
 * helper fails the build), Rollup, terser with the Espruino-safe options, then hoisting and the
 * artifact checks of devicePost.
 */
import { join } from 'node:path';
import { rollup } from 'rollup';
import typescriptPlugin from '@rollup/plugin-typescript';
import terserPlugin from '@rollup/plugin-terser';
import { DEVICE_TS_OPTIONS, deviceGuard, devicePost, ROOT, terserOptions } from '../../../tools/bundles.mjs';

const typescript = typescriptPlugin as unknown as (options: object) => any;
const terser = terserPlugin as unknown as (options: object) => any;

/** The minified, hoisted ES5 program (one script). */
export async function buildEspruinoMqttProgram(): Promise<string> {
  const bundle = await rollup({
    input: join(ROOT, 'test/mqtt/espruino/device.ts'),
    onwarn: (w) => {
      throw new Error(w.message);
    },
    plugins: [
      deviceGuard(),
      typescript({
        tsconfig: false,
        compilerOptions: { ...DEVICE_TS_OPTIONS, outDir: undefined },
        include: ['core/**/*.ts', 'targets/espruino/**/*.ts', 'test/mqtt/espruino/device.ts'],
        exclude: ['**/*.test.ts', 'node_modules/**'],
        noEmitOnError: true,
      }),
    ],
  });
  const out = await bundle.generate({
    format: 'es',
    strict: false,
    generatedCode: { preset: 'es5', constBindings: false },
    plugins: [terser(terserOptions('app')), devicePost({ kind: 'test' })],
  });
  await bundle.close();
  return out.output[0].code;
}
