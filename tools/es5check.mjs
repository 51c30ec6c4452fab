// Artifact checks every device bundle must pass (STYLE.md principle 7, ENGINES.md §5):
// it parses as ES5, it contains no tslib helper, and it uses nothing Espruino lacks that a static
// scan can see (labels, built-in prototype methods through the constructor, missing built-ins).
import * as acorn from 'acorn';

/** tslib helper names; any of them in a bundle means a banned construct slipped into the source. */
export const HELPER_NAMES = [
  '__extends', '__assign', '__rest', '__decorate', '__param', '__metadata', '__awaiter', '__generator',
  '__exportStar', '__values', '__read', '__spread', '__spreadArrays', '__spreadArray', '__await',
  '__asyncGenerator', '__asyncDelegator', '__asyncValues', '__makeTemplateObject', '__importStar',
  '__importDefault', '__createBinding', '__classPrivateFieldGet', '__classPrivateFieldSet',
  '__classPrivateFieldIn', '__esDecorate', '__runInitializers', '__propKey', '__setFunctionName',
  '__addDisposableResource', '__disposeResources', '__rewriteRelativeImportExtension',
];

const HELPER_RE = new RegExp('\\b(' + HELPER_NAMES.join('|') + ')\\b', 'g');

/** Globals Espruino (and the ES5 engines) lack; a bare reference to one is a bug on the device. */
export const MISSING_GLOBALS = ['Map', 'Set', 'WeakMap', 'WeakSet', 'Symbol', 'Proxy', 'Reflect', 'setImmediate', 'queueMicrotask', 'RangeError'];

/** Parses `code` as an ES5 script; throws a SyntaxError with line and column on failure. */
export function parseEs5(code) {
  return acorn.parse(code, { ecmaVersion: 5, sourceType: 'script', locations: true, allowReturnOutsideFunction: false });
}

/** Every tslib helper name found in `code` (deduplicated). */
export function findHelpers(code) {
  const found = new Set();
  for (const m of code.matchAll(HELPER_RE)) found.add(m[1]);
  if (/\btslib\b/.test(code)) found.add('tslib');
  return [...found];
}

function walk(node, visit, parent) {
  if (!node || typeof node.type !== 'string') return;
  visit(node, parent);
  for (const k of Object.keys(node)) {
    if (k === 'loc' || k === 'start' || k === 'end') continue;
    const v = node[k];
    if (Array.isArray(v)) for (const c of v) walk(c, visit, node);
    else if (v && typeof v.type === 'string') walk(v, visit, node);
  }
}

/** Espruino's built-in functions: assigning one (`setTimeout = f`) throws "Unable to assign value to
 *  non-reference Function" on the engine; only `global.setTimeout = f` replaces it. */
export const BUILTIN_FUNCTIONS = ['setTimeout', 'setInterval', 'clearTimeout', 'clearInterval', 'getTime', 'setTime', 'print', 'require', 'digitalWrite', 'digitalRead', 'setWatch', 'clearWatch', 'save', 'load', 'reset', 'echo'];

// Every name the program declares somewhere (var, function, parameter, catch clause).
function declaredNames(ast) {
  const names = new Set();
  walk(ast, (n) => {
    if (n.type === 'VariableDeclarator' && n.id.type === 'Identifier') names.add(n.id.name);
    if ((n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression') && n.id) names.add(n.id.name);
    if (n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression') for (const p of n.params) if (p.type === 'Identifier') names.add(p.name);
    if (n.type === 'CatchClause' && n.param && n.param.type === 'Identifier') names.add(n.param.name);
  });
  return names;
}

/**
 * Static scan for constructs Espruino rejects (ENGINES.md §1). Returns problems as strings.
 * @param {object} ast an acorn Program
 */
export function findEspruinoHazards(ast) {
  const problems = [];
  const at = (n) => `line ${n.loc.start.line}:${n.loc.start.column}`;
  const declared = declaredNames(ast);
  walk(ast, (n, parent) => {
    if (n.type === 'AssignmentExpression' && n.left.type === 'Identifier' && BUILTIN_FUNCTIONS.includes(n.left.name) && !declared.has(n.left.name)) {
      problems.push(`assignment to the built-in ${n.left.name} at ${at(n)} (throws on Espruino: "Unable to assign value to non-reference Function"; assign global.${n.left.name})`);
    }
    if (n.type === 'LabeledStatement') problems.push(`label "${n.label.name}" at ${at(n)} (Espruino has no labelled break/continue)`);
    if (n.type === 'MemberExpression' && !n.computed && n.property.name === 'prototype' && n.object.type === 'Identifier' &&
        ['Array', 'Function', 'String', 'Object', 'Number'].includes(n.object.name) && parent && parent.type === 'MemberExpression' && parent.object === n) {
      // Reads and writes alike: the constructor's `prototype` is not reachable on Espruino.
      problems.push(`${n.object.name}.prototype.${parent.property.name || '[…]'} at ${at(n)} (undefined on Espruino; use an instance, e.g. [].slice)`);
    }
    if (n.type === 'Identifier' && MISSING_GLOBALS.includes(n.name)) {
      const isProp = parent && ((parent.type === 'MemberExpression' && parent.property === n && !parent.computed) || (parent.type === 'Property' && parent.key === n));
      const isTypeofGuard = parent && parent.type === 'UnaryExpression' && parent.operator === 'typeof';
      if (!isProp && !isTypeofGuard) problems.push(`${n.name} at ${at(n)} (missing on Espruino)`);
    }
    // Espruino's regular expressions are a small subset: an unescaped `/` inside `[...]` does not
    // even parse (the whole bundle is rejected: "Got '#' expected EOF"), and `(?:…)` or optional
    // groups make `exec` return null. Which patterns survive is not checkable statically, so device
    // bundles have none: parse by hand (core/mqtt/connector.ts, core/links.ts, core/keys.ts do).
    if (n.type === 'Literal' && n.regex) problems.push(`regular expression /${n.regex.pattern}/${n.regex.flags} at ${at(n)} (Espruino's regex subset rejects or mis-matches many patterns; parse without one)`);
    if (n.type === 'Identifier' && n.name === 'RegExp') {
      const isProp = parent && ((parent.type === 'MemberExpression' && parent.property === n && !parent.computed) || (parent.type === 'Property' && parent.key === n));
      if (!isProp) problems.push(`RegExp at ${at(n)} (no regular expressions in device code: Espruino's subset rejects or mis-matches many patterns)`);
    }
    if (n.type === 'AssignmentExpression' && n.left.type === 'MemberExpression' && !n.left.computed && n.left.property.name === 'length') {
      problems.push(`assignment to .length at ${at(n)} (throws on Espruino arrays; truncate with splice)`);
    }
  });
  return problems;
}

/**
 * All artifact checks. Returns a list of problems (empty when the bundle is fine).
 * @param {string} code the bundle
 * @param {{espruino?: boolean}} [opts] add the Espruino hazard scan
 */
export function checkArtifact(code, opts = {}) {
  const problems = [];
  let ast;
  try {
    ast = parseEs5(code);
  } catch (e) {
    return [`does not parse as ES5: ${e.message}`];
  }
  for (const h of findHelpers(code)) problems.push(`contains tslib helper name ${h}`);
  if (opts.espruino) problems.push(...findEspruinoHazards(ast));
  return problems;
}

export { walk };

const INSTANCE_OF = { Object: '({})', Array: '[]', String: '""', Function: '(function(){})', Number: '(0)' };

/**
 * Rewrites reads of built-in prototype methods through the constructor (`Object.prototype.x`, which
 * is undefined on Espruino) into reads through an instance (`({}).x`): the same function object on
 * every spec engine, reachable on Espruino. Returns the new code and what was rewritten, so the
 * build can warn and the source can be fixed.
 * @returns {{code: string, rewrites: string[]}}
 */
export function rewritePrototypeReads(code) {
  const ast = parseEs5(code);
  const edits = [];
  walk(ast, (n, parent) => {
    if (n.type === 'MemberExpression' && !n.computed && n.property.name === 'prototype' && n.object.type === 'Identifier' &&
        INSTANCE_OF[n.object.name] && parent && parent.type === 'MemberExpression' && parent.object === n) {
      edits.push({ start: n.start, end: n.end, text: INSTANCE_OF[n.object.name], what: `${n.object.name}.prototype.${parent.property.name || '[…]'}` });
    }
  });
  // A write (`X.prototype.y = …`) would also match; only reads are rewritten.
  const assigned = new Set();
  walk(ast, (n) => {
    if (n.type === 'AssignmentExpression' && n.left.type === 'MemberExpression' && n.left.object.type === 'MemberExpression') assigned.add(n.left.object.start);
  });
  const todo = edits.filter((e) => !assigned.has(e.start)).sort((a, b) => b.start - a.start);
  let out = code;
  for (const e of todo) out = out.slice(0, e.start) + e.text + out.slice(e.end);
  return { code: out, rewrites: [...new Set(todo.map((e) => e.what))] };
}
