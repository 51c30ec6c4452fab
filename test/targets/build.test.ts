/**
 * The device build's gates: board and app files are validated with clear errors, tslib and bare
 * imports fail the build, and the budgets fail it when an app is over.
 */
import { expect } from 'chai';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync, copyFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rollup } from 'rollup';
import typescriptPlugin from '@rollup/plugin-typescript';
import { loadBoard, loadBoards, validateBoard } from '../../tools/boards.mjs';
import { DEVICE_TS_OPTIONS, deviceGuard, devicePost } from '../../tools/bundles.mjs';
import { estimateMemory, loadApp, recordJsVars } from '../../tools/jsvars.mjs';
import { ROOT } from './helpers.js';

// The plugin's types describe a CommonJS default export that NodeNext resolution does not see as callable.
const typescript = typescriptPlugin as unknown as (options: object) => any;

function tmpBoard(json: string, withEspruinoJson = true): string {
  const dir = join(mkdtempSync(join(tmpdir(), 'aimdb-board-')), 'pico');
  mkdirSync(dir);
  writeFileSync(join(dir, 'board.json'), json);
  if (withEspruinoJson) copyFileSync(join(ROOT, 'boards/pico/PICO_R1_3.json'), join(dir, 'PICO_R1_3.json'));
  return dir;
}

const PICO = readFileSync(join(ROOT, 'boards/pico/board.json'), 'utf8');

describe('tools/boards.mjs', () => {
  describe('loadBoards', () => {
    it('loads every board of the repository', () => {
      expect(loadBoards(join(ROOT, 'boards')).map((b) => b.name)).to.deep.equal([
        'esp32', 'esp8266', 'espruino-wifi', 'original-espruino', 'pico', 'stm32f4-discovery-jerry',
      ]);
    });
    it('keeps each JsVar count equal to the espruino board JSON', () => {
      for (const b of loadBoards(join(ROOT, 'boards'))) {
        if (b.engine !== 'espruino') continue;
        const bj = JSON.parse(readFileSync(b.espruinoBoardPath!, 'utf8'));
        expect(b.jsVars, b.name).to.equal(bj.info.variables);
      }
    });
  });
  describe('loadBoard on malformed input', () => {
    it('reports invalid JSON with the file name', () => {
      expect(() => loadBoard(tmpBoard('{ "name": "pico", '))).to.throw(/invalid board file .*pico\/board\.json:\n  - is not valid JSON/);
    });
    it('reports a missing file', () => {
      expect(() => loadBoard(join(tmpdir(), 'no-such-board'))).to.throw(/cannot be read: ENOENT/);
    });
    it('lists every problem at once', () => {
      const bad = { ...JSON.parse(PICO), engine: 'v8', jsVars: -1, network: ['lora'], ohex: 'yes', chip: undefined };
      try {
        loadBoard(tmpBoard(JSON.stringify(bad)));
        expect.fail('should throw');
      } catch (e: any) {
        expect(e.problems).to.deep.equal([
          '"chip" is missing',
          '"ohex" must be true or false',
          '"engine" must be one of espruino, jerryscript (got "v8")',
          '"network" entry "lora" is not one of wifi, tcp',
        ]);
      }
    });
    it('checks the engine-specific fields and the budgets', () => {
      const bad = { ...JSON.parse(PICO), jsVarBudget: 9000, bytesPerJsVar: 0, codeIn: 'rom' };
      expect(validateBoard(bad, tmpBoard(JSON.stringify(bad)))).to.deep.equal([
        '"bytesPerJsVar" must be a positive integer (required for engine espruino)',
        '"codeIn" must be "ram" (upload, then save()) or "flash" (code runs from Storage .bootcde)',
        '"jsVarBudget" (9000) exceeds "jsVars" (5100)',
      ]);
    });
    it('checks the espruino board JSON exists and agrees', () => {
      const dir = tmpBoard(PICO, false);
      expect(validateBoard(JSON.parse(PICO), dir)).to.deep.equal(['"espruinoBoard" file PICO_R1_3.json does not exist in ' + dir]);
      const wrong = { ...JSON.parse(PICO), jsVars: 5000, jsVarBudget: 4000 };
      expect(validateBoard(wrong, tmpBoard(JSON.stringify(wrong)))).to.deep.equal(['"jsVars" (5000) differs from PICO_R1_3.json info.variables (5100)']);
    });
    it('requires the folder name as board name', () => {
      const other = { ...JSON.parse(PICO), name: 'pico2' };
      expect(validateBoard(other, tmpBoard(JSON.stringify(other)))).to.deep.equal(['"name" ("pico2") must equal the folder name ("pico")']);
    });
    it('rejects a non-object', () => {
      expect(validateBoard([1, 2])).to.deep.equal(['must be a JSON object']);
    });
  });
});

describe('tools/jsvars.mjs', () => {
  describe('loadApp on malformed input', () => {
    it('lists every problem of an app.json', () => {
      const dir = mkdtempSync(join(tmpdir(), 'aimdb-app-'));
      writeFileSync(join(dir, 'app.json'), JSON.stringify({ boards: [], memory: { records: [{ key: 'a', buffer: 'ring' }, { key: 'b', buffer: 'queue' }], connectors: ['lora'] } }));
      expect(() => loadApp(dir)).to.throw(/"boards" must be a non-empty array[\s\S]*"entry" must name[\s\S]*records\[0\]"\.capacity must be an integer[\s\S]*records\[1\]"\.buffer must be ring[\s\S]*unknown connector "lora"/);
    });
    it('reports invalid JSON', () => {
      const dir = mkdtempSync(join(tmpdir(), 'aimdb-app-'));
      writeFileSync(join(dir, 'app.json'), '{');
      expect(() => loadApp(dir)).to.throw(/app\.json: not valid JSON/);
    });
  });

  describe('recordJsVars (calibrated against ENGINES.md §1)', () => {
    it('puts a 256-slot ring of {t,v} objects at about 1,290 JsVars', () => {
      const ring = recordJsVars({ key: 'r', buffer: 'ring', capacity: 256, fields: 2 }, 16) - recordJsVars({ key: 'r', buffer: 'ring', capacity: 0, fields: 2 }, 16) + 10;
      expect(ring).to.equal(1290);
    });
    it('puts the same ring in two typed arrays (t f64, v f32) at about 200 JsVars', () => {
      const base = recordJsVars({ key: 'r', buffer: 'singleLatest', fields: 0 }, 16) - 2;
      const compact = recordJsVars({ key: 'r', buffer: 'ring', capacity: 256, layout: { t: 'f64', v: 'f32' } }, 16) - base;
      expect(compact).to.be.within(190, 210);
    });
  });

  describe('estimateMemory', () => {
    const app = { name: 'x', memory: { records: [{ key: 'big', buffer: 'ring', capacity: 4000, fields: 3 }], connectors: ['mqtt'] } };
    it('fails an app over the JsVar budget and says by how much', () => {
      const board = loadBoard(join(ROOT, 'boards/pico'));
      const r = estimateMemory({ code: 'function f(){return 1}', board, app });
      expect(r.problems).to.have.length(1);
      expect(r.problems[0]).to.match(/^estimated \d+ JsVars \(code \d+, records 26055, connectors 150, runtime 1710\); the board's jsVarBudget is 4080 of 5100$/);
    });
    it('fails a bundle over the byte budget', () => {
      const board = loadBoard(join(ROOT, 'boards/original-espruino'));
      const r = estimateMemory({ code: 'var a="' + 'x'.repeat(30000) + '";', board, app: { name: 'y', memory: { records: [] } } });
      expect(r.problems).to.deep.equal(["bundle is 30009 bytes; the board's byteBudget is 20480"]);
    });
    it('counts code text in RAM only on boards that upload to RAM', () => {
      const code = 'function f(){return "' + 'x'.repeat(1000) + '"}';
      const ram = estimateMemory({ code, board: loadBoard(join(ROOT, 'boards/esp32')), app: { name: 'z', memory: { records: [] } } });
      const flash = estimateMemory({ code, board: loadBoard(join(ROOT, 'boards/pico')), app: { name: 'z', memory: { records: [] } } });
      expect(ram.code).to.equal(Math.ceil(1024 / 10) + 3);
      expect(flash.code).to.equal(4);
    });
    it('makes the build fail through the Rollup plugin', () => {
      const board = loadBoard(join(ROOT, 'boards/pico'));
      const post = devicePost({ kind: 'app', board, app, report: join(mkdtempSync(join(tmpdir(), 'aimdb-rep-')), 'r.json') });
      const ctx = { error: (m: string) => { throw new Error(m); } };
      expect(() => post.generateBundle.call(ctx, {}, { c: { type: 'chunk', code: 'var a=1;' } })).to.throw(/x on pico is over budget/);
    });
  });
});

describe('tools/bundles.mjs devicePost.renderChunk', () => {
  const ctx = (warnings: string[]) => ({ error: (m: string) => { throw new Error(m); }, warn: (m: string) => warnings.push(m) });
  it('hoists, rewrites prototype reads with a warning, and passes clean code', () => {
    const warnings: string[] = [];
    const out = devicePost({ kind: 'core' }).renderChunk.call(ctx(warnings), 'f(); function f(){ return Object.prototype.hasOwnProperty.call({}, "a") }');
    expect(out.code).to.equal('function f(){ return ({}).hasOwnProperty.call({}, "a") }f(); ');
    expect(warnings).to.deep.equal(['rewrote Object.prototype.hasOwnProperty to instance reads (undefined on Espruino, ENGINES.md §1); fix the source']);
  });
  it('fails on a helper, a label or a missing built-in', () => {
    const post = devicePost({ kind: 'core' });
    expect(() => post.renderChunk.call(ctx([]), 'var __extends = 1;')).to.throw(/device checks:\n  - contains tslib helper name __extends/);
    expect(() => post.renderChunk.call(ctx([]), 'a: for(;;) break a;')).to.throw(/label "a"/);
    expect(() => post.renderChunk.call(ctx([]), 'var m = new Map();')).to.throw(/Map at line 1:12 \(missing on Espruino\)/);
  });
});

describe('tools/bundles.mjs deviceGuard', function () {
  this.timeout(120_000);
  async function build(fixture: string): Promise<string> {
    try {
      await rollup({
        input: join(ROOT, 'test/targets/fixtures/guard', fixture, 'index.ts'),
        onwarn: () => undefined,
        plugins: [
          deviceGuard(),
          typescript({ tsconfig: false, compilerOptions: DEVICE_TS_OPTIONS, include: [`test/targets/fixtures/guard/${fixture}/*.ts`], noEmitOnError: true }),
        ],
      });
      return 'built';
    } catch (e: any) {
      return e.message;
    }
  }
  it('fails the build when `extends` pulls in tslib', async () => {
    expect(await build('extends')).to.match(/tslib resolved into a device bundle \(imported by test\/targets\/fixtures\/guard\/extends\/index\.ts\)/);
  });
  it('fails the build when a spread pulls in tslib', async () => {
    expect(await build('spread')).to.match(/tslib resolved into a device bundle/);
  });
  it('fails the build on a bare import', async () => {
    expect(await build('bare')).to.match(/bare import "node:fs" in test\/targets\/fixtures\/guard\/bare\/index\.ts/);
  });
});
