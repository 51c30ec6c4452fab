/**
 * Layers have one direction (STYLE.md principle 1) and the core's ES5 output has no helper
 * (principle 7). These tests read the source tree and compile the core the way boards do.
 */
import { expect } from 'chai';
import * as acorn from 'acorn';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import ts from 'typescript';

const ROOT = resolve(import.meta.dirname, '../..');

function tsFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(join(ROOT, dir))) {
    const p = join(dir, name);
    if (statSync(join(ROOT, p)).isDirectory()) out.push(...tsFiles(p));
    else if (/\.(ts|mts)$/.test(name) && !/\.d\.ts$/.test(name)) out.push(p);
  }
  return out;
}

/** Module specifiers of every import/export-from/dynamic import in a file. */
function importsOf(file: string): string[] {
  const src = readFileSync(join(ROOT, file), 'utf8');
  const sf = ts.createSourceFile(file, src, ts.ScriptTarget.Latest, true);
  const specs: string[] = [];
  const visit = (n: ts.Node) => {
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) specs.push(n.moduleSpecifier.text);
    if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword && n.arguments[0] && ts.isStringLiteral(n.arguments[0])) specs.push(n.arguments[0].text);
    if (ts.isImportTypeNode(n) && ts.isLiteralTypeNode(n.argument) && ts.isStringLiteral(n.argument.literal)) specs.push(n.argument.literal.text);
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return specs;
}

/** Top-level folder a relative import lands in, e.g. 'core' or 'targets/node'. */
function landsIn(file: string, spec: string): string {
  const target = relative(ROOT, resolve(ROOT, dirname(file), spec));
  const parts = target.split('/');
  return parts[0] === 'targets' ? parts.slice(0, 2).join('/') : parts[0];
}

const HELPERS = /\b(__extends|__assign|__rest|__spreadArray|__spread|__read|__values|__awaiter|__generator|__makeTemplateObject|__classPrivateField\w*|__createBinding|__importDefault|__importStar)\b/;

describe('layering', () => {
  it('core/ imports nothing outside core/ (no npm package, no node: module)', () => {
    const bad: string[] = [];
    for (const f of tsFiles('core')) for (const s of importsOf(f)) if (!s.startsWith('.') || landsIn(f, s) !== 'core') bad.push(`${f} -> ${s}`);
    expect(bad).to.deep.equal([]);
  });

  it('device targets import only core/ and their own folder', () => {
    const bad: string[] = [];
    for (const t of ['targets/espruino', 'targets/jerryscript']) {
      for (const f of tsFiles(t)) {
        for (const s of importsOf(f)) {
          const to = s.startsWith('.') ? landsIn(f, s) : 'npm:' + s;
          if (to !== 'core' && to !== t) bad.push(`${f} -> ${s}`);
        }
      }
    }
    expect(bad).to.deep.equal([]);
  });

  it('the Node target imports only core/, itself, node: modules and npm packages', () => {
    const bad: string[] = [];
    for (const f of tsFiles('targets/node')) {
      for (const s of importsOf(f)) if (s.startsWith('.') && !['core', 'targets/node'].includes(landsIn(f, s))) bad.push(`${f} -> ${s}`);
    }
    expect(bad).to.deep.equal([]);
  });

  it('bridge/ imports only core/, targets/node, itself, node: modules and npm packages (no device target)', () => {
    const bad: string[] = [];
    for (const f of tsFiles('bridge')) {
      // The CLI's build, run-device, image and flash commands are the bundler's front end: bridge/cli
      // may use tools/ (the bundler, the board files, the engine runner), nothing else in bridge may.
      const allowed = f.startsWith('bridge/cli/') ? ['core', 'targets/node', 'bridge', 'tools'] : ['core', 'targets/node', 'bridge'];
      for (const s of importsOf(f)) if (s.startsWith('.') && !allowed.includes(landsIn(f, s))) bad.push(`${f} -> ${s}`);
    }
    expect(bad).to.deep.equal([]);
  });

  it('no source file is longer than 500 lines (docs/CONTRIBUTING.md)', () => {
    const long: string[] = [];
    for (const dir of ['core', 'targets', 'bridge', 'tools']) {
      for (const f of tsFiles(dir)) {
        const n = readFileSync(join(ROOT, f), 'utf8').split('\n').length;
        if (n > 500) long.push(`${f}: ${n}`);
      }
    }
    expect(long).to.deep.equal([]);
  });

  it('core/index.ts exports what users call, not the run-time machinery (scheduler, link counters)', async () => {
    const core = await import('../../core/index.js');
    expect(Object.keys(core).sort()).to.deep.equal([
      'BUFFER_MAILBOX', 'BUFFER_SINGLE_LATEST', 'BUFFER_SPMC_RING', 'Builder', 'DEV', 'Database', 'HAS_TYPED_ARRAYS',
      'InboundLinkBuilder', 'JoinBuilder', 'OutboundLinkBuilder', 'RECV_CLOSED', 'RECV_EMPTY', 'RECV_LAGGED', 'RECV_VALUE',
      'RecordRegistrar', 'TransformBuilder', 'aimError', 'allocBytes', 'builder', 'byteAt', 'formatProblem',
      'invalidConfiguration', 'isAimError', 'key', 'keyNameProblem', 'keyTable', 'mailbox', 'manualRuntime', 'parseLinkUrl',
      'ring', 'singleLatest', 'utf8Decode', 'utf8Encode',
    ]);
  });

  it('published core declarations carry no @internal member of the public classes', () => {
    const cfg = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'core/tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
    const options = { ...cfg.options, noEmit: false, declaration: true, emitDeclarationOnly: true, outDir: '/decl' };
    expect(options.stripInternal, 'tsconfig.base.json sets stripInternal').to.equal(true);
    const out: { [file: string]: string } = {};
    const host = ts.createCompilerHost(options);
    host.writeFile = (f, text) => (out[f.replace(/^.*\/decl\//, '')] = text);
    const emitted = ts.createProgram([join(ROOT, 'core/index.ts')], options, host).emit();
    expect(emitted.emitSkipped).to.equal(false);
    const leaked: string[] = [];
    for (const f of ['database.d.ts', 'builder.d.ts', 'registrar.d.ts']) {
      expect(out[f], f).to.be.a('string');
      for (const line of out[f].split('\n')) if (/^\s+_\w+[(:?]/.test(line)) leaked.push(`${f}: ${line.trim()}`);
    }
    expect(leaked).to.deep.equal([]);
  });

  it('nothing outside test/ imports test/', () => {
    const bad: string[] = [];
    for (const dir of ['core', 'targets', 'bridge', 'boards', 'examples', 'bench', 'tools']) {
      let files: string[] = [];
      try {
        files = tsFiles(dir);
      } catch {
        continue;
      }
      for (const f of files) for (const s of importsOf(f)) if (s.startsWith('.') && landsIn(f, s) === 'test') bad.push(`${f} -> ${s}`);
    }
    expect(bad).to.deep.equal([]);
  });

  it('a wrong import in core/ is a compile error (rootDir)', () => {
    const cfg = ts.getParsedCommandLineOfConfigFile(join(ROOT, 'core/tsconfig.json'), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} })!;
    const probe = join(ROOT, 'core/__probe__.ts');
    const host = ts.createCompilerHost(cfg.options);
    const orig = host.readFile.bind(host);
    host.readFile = (f) => (f === probe ? "import { manualRuntimeProbe } from '../test/core/fixtures/es5-outside-core.js';\nexport const x = manualRuntimeProbe;\n" : orig(f));
    host.fileExists = ((fe) => (f: string) => f === probe || fe(f))(host.fileExists.bind(host));
    const program = ts.createProgram([probe], cfg.options, host);
    const diags = ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    // The probe imports a plain ES5-safe file outside core/, so only rootDir can reject it.
    expect(diags).to.have.length(1);
    expect(diags[0]).to.match(/is not under 'rootDir' '.*\/core'/);
  });
});

describe('core ES5 output', () => {
  const files = tsFiles('core');
  for (const f of files) {
    it(`${f} compiles to ES5 without helpers and parses as ES5`, () => {
      const src = readFileSync(join(ROOT, f), 'utf8');
      const emit = (module: ts.ModuleKind) =>
        ts.transpileModule(src, {
          compilerOptions: { target: ts.ScriptTarget.ES5, module, importHelpers: false, downlevelIteration: false, useDefineForClassFields: false },
          fileName: f,
        }).outputText;
      // Helpers are judged on the ES module emit that Rollup bundles (CommonJS adds its own interop).
      expect(HELPERS.exec(emit(ts.ModuleKind.ESNext))?.[0] ?? 'none').to.equal('none');
      const out = emit(ts.ModuleKind.CommonJS);
      expect(() => acorn.parse(out, { ecmaVersion: 5, sourceType: 'script' })).not.to.throw();
    });
  }

  it('core/ reaches no host global or missing built-in', () => {
    const banned = /\b(setTimeout|setInterval|setImmediate|queueMicrotask|console|process|Buffer|require|globalThis|window|performance|Date\.now|new Date|Map|Set|WeakMap|Symbol|Promise|Proxy|Reflect|Object\.freeze|Object\.prototype|Array\.prototype|String\.prototype|Function\.prototype|Array\.from|Number\.isInteger|Math\.trunc|Math\.sign|RangeError|lastIndexOf)\b/;
    const bad: string[] = [];
    for (const f of files) {
      const sf = ts.createSourceFile(f, readFileSync(join(ROOT, f), 'utf8'), ts.ScriptTarget.Latest, true);
      const visit = (n: ts.Node) => {
        if (ts.isIdentifier(n) || ts.isPropertyAccessExpression(n) || ts.isNewExpression(n)) {
          // Only code counts: identifiers in type positions are erased.
          let p: ts.Node | undefined = n.parent;
          let inType = false;
          while (p) {
            if (ts.isTypeNode(p) || ts.isInterfaceDeclaration(p) || ts.isTypeAliasDeclaration(p)) inType = true;
            p = p.parent;
          }
          const text = n.getText(sf);
          const m = banned.exec(text);
          if (!inType && m && (ts.isIdentifier(n) ? text === m[0] : true) && !(ts.isPropertyAccessExpression(n.parent) && n.parent.name === n)) bad.push(`${f}: ${text}`);
        }
        ts.forEachChild(n, visit);
      };
      visit(sf);
    }
    expect([...new Set(bad)]).to.deep.equal([]);
  });
});
