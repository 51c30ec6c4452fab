// Espruino does not hoist (ENGINES.md §1, espruino/Espruino#274): a function declaration exists only
// after its statement ran, and so does a `var`. Two tools for the bundles:
//
// - hoistDeclarations(code): rewrites every scope so that it starts with its function declarations
//   (in source order) and one `var a,b,c;` naming every variable of the scope; each original
//   `var x = e` becomes the assignment `x = e`. For a standard engine this changes nothing (the
//   engine hoisted them anyway); for Espruino it makes every name exist before any code runs.
// - checkDeclarationOrder(code): a static proof that no function or var of a scope is used before
//   its declaration statement ran, following immediately-invoked functions and direct calls to the
//   scope's own functions. Run on the final bundle; it fails the build.
import { parseEs5 } from './es5check.mjs';

const FN = (n) => n && (n.type === 'FunctionDeclaration' || n.type === 'FunctionExpression');

function children(node) {
  const out = [];
  for (const k of Object.keys(node)) {
    if (k === 'loc') continue;
    const v = node[k];
    if (Array.isArray(v)) {
      for (const c of v) if (c && typeof c.type === 'string') out.push(c);
    } else if (v && typeof v.type === 'string') out.push(v);
  }
  return out;
}

/** Var declarations of a scope (not crossing functions), each with its parent. */
function scopeVars(body) {
  const out = [];
  const visit = (n, parent) => {
    if (FN(n)) return;
    if (n.type === 'VariableDeclaration') out.push({ node: n, parent });
    for (const c of children(n)) visit(c, n);
  };
  for (const s of body) visit(s, null);
  return out;
}

/**
 * Moves function declarations and `var` declarations to the top of every scope.
 * @param {string} code ES5 source
 * @returns {string}
 */
export function hoistDeclarations(code) {
  const ast = parseEs5(code);
  const edits = [];
  const scopes = [];
  const collect = (n) => {
    if (n.type === 'Program') scopes.push({ body: n.body, head: headPos(n.body, n.start), params: [] });
    else if (FN(n)) scopes.push({ body: n.body.body, head: headPos(n.body.body, n.body.start + 1), params: n.params.map((p) => p.name), fnName: n.id && n.id.name });
    for (const c of children(n)) collect(c);
  };
  collect(ast);
  for (const sc of scopes) {
    const fnDecls = sc.body.filter((s) => s.type === 'FunctionDeclaration');
    const fnNames = new Set(fnDecls.map((f) => f.id.name));
    const names = [];
    for (const { node, parent } of scopeVars(sc.body)) {
      for (const d of node.declarations) {
        const nm = d.id.name;
        if (!fnNames.has(nm) && !sc.params.includes(nm) && !names.includes(nm)) names.push(nm);
      }
      const inits = node.declarations.filter((d) => d.init);
      const parts = [];
      inits.forEach((d, i) => {
        if (i) parts.push(',');
        // acorn's range of a parenthesised sequence excludes the parentheses: restore them, or
        // `var a = (x, y)` would become `a = x, y`.
        if (d.init.type === 'SequenceExpression') parts.push(d.id.name + '=(', [d.init.start, d.init.end], ')');
        else parts.push(d.id.name + '=', [d.init.start, d.init.end]);
      });
      const isForInit = parent && (parent.type === 'ForStatement' && parent.init === node);
      const isForIn = parent && parent.type === 'ForInStatement' && parent.left === node;
      if (isForIn) edits.push({ start: node.start, end: node.end, parts: [node.declarations[0].id.name] });
      else if (isForInit) edits.push({ start: node.start, end: node.end, parts });
      else edits.push({ start: node.start, end: node.end, parts: parts.length ? [...parts, ';'] : [';'] });
    }
    const headParts = [];
    for (const f of fnDecls) {
      edits.push({ start: f.start, end: f.end, parts: [], moved: true });
      headParts.push([f.start, f.end]);
    }
    if (names.length) headParts.push('var ' + names.join(',') + ';');
    if (headParts.length) edits.push({ start: sc.head, end: sc.head, parts: headParts });
  }
  // Zero-length insertions before replacements starting at the same offset.
  edits.sort((a, b) => a.start - b.start || (a.end - a.start) - (b.end - b.start));
  const render = (start, end, root = false) => {
    let out = '';
    let pos = start;
    for (const e of edits) {
      if (e.start < pos || e.end > end || e.start > end) continue;
      if (e.moved && e.start === start && e.end === end) continue;
      // A scope-head insertion at the very start of a sub-range belongs to the enclosing scope.
      if (e.start === e.end && e.start === start && !root) continue;
      out += code.slice(pos, e.start);
      for (const p of e.parts) out += typeof p === 'string' ? p : render(p[0], p[1]);
      pos = e.end;
    }
    return out + code.slice(pos, end);
  };
  return render(0, code.length, true);
}

/** Offset after the directive prologue ("use strict") of a statement list. */
function headPos(body, fallback) {
  let pos = fallback;
  for (const s of body) {
    if (s.type === 'ExpressionStatement' && s.directive !== undefined) pos = s.end;
    else break;
  }
  return pos;
}

// ---------------------------------------------------------------------------------------------
// The checker

/** Names declared by a function scope (params, vars, function declarations, `arguments`). */
function declaredIn(fnOrProgram) {
  const body = fnOrProgram.type === 'Program' ? fnOrProgram.body : fnOrProgram.body.body;
  const names = new Set();
  if (fnOrProgram.type !== 'Program') {
    for (const p of fnOrProgram.params) names.add(p.name);
    names.add('arguments');
    if (fnOrProgram.type === 'FunctionExpression' && fnOrProgram.id) names.add(fnOrProgram.id.name);
  }
  for (const { node } of scopeVars(body)) for (const d of node.declarations) names.add(d.id.name);
  const visitFns = (n) => {
    if (n.type === 'FunctionDeclaration') {
      names.add(n.id.name);
      return;
    }
    if (FN(n)) return;
    for (const c of children(n)) visitFns(c);
  };
  for (const s of body) visitFns(s);
  return names;
}

/** Identifier references in `node` (with positions), skipping declarations and property names. */
function references(node, opts) {
  const out = [];
  const visit = (n, parent, shadow) => {
    if (FN(n)) {
      const iife = opts.iifes.has(n);
      if (!opts.deep && !iife) return;
      const inner = new Set(shadow);
      for (const nm of declaredIn(n)) inner.add(nm);
      for (const s of n.body.body) visit(s, n, inner);
      return;
    }
    if (n.type === 'Identifier') {
      if (!shadow.has(n.name)) out.push(n);
      return;
    }
    if (n.type === 'MemberExpression') {
      visit(n.object, n, shadow);
      if (n.computed) visit(n.property, n, shadow);
      return;
    }
    if (n.type === 'Property') {
      visit(n.value, n, shadow);
      return;
    }
    if (n.type === 'VariableDeclarator') {
      if (n.init) visit(n.init, n, shadow);
      return;
    }
    if (n.type === 'LabeledStatement' || n.type === 'BreakStatement' || n.type === 'ContinueStatement') {
      if (n.body) visit(n.body, n, shadow);
      return;
    }
    if (n.type === 'CatchClause') {
      const inner = new Set(shadow);
      inner.add(n.param.name);
      visit(n.body, n, inner);
      return;
    }
    for (const c of children(n)) visit(c, n, shadow);
  };
  visit(node, null, opts.shadow || new Set());
  return out;
}

/** Function expressions invoked where they stand: `(function(){})()`, `!function(){}()`, `f.call`. */
function findIifes(ast) {
  const set = new Set();
  const visit = (n) => {
    if (n.type === 'CallExpression' || n.type === 'NewExpression') {
      const c = n.callee;
      if (c.type === 'FunctionExpression') set.add(c);
      if (c.type === 'MemberExpression' && c.object.type === 'FunctionExpression' && !c.computed && ['call', 'apply'].includes(c.property.name)) set.add(c.object);
    }
    for (const ch of children(n)) visit(ch);
  };
  visit(ast);
  return set;
}

/**
 * Proves declaration order for Espruino. Returns problems (empty when every scope is safe).
 * @param {string} code ES5 source
 */
export function checkDeclarationOrder(code) {
  const ast = parseEs5(code);
  const iifes = findIifes(ast);
  const problems = [];
  const checkScope = (scope) => {
    const body = scope.type === 'Program' ? scope.body : scope.body.body;
    const own = declaredIn(scope);
    // The functions of this scope and the own names their bodies (and nested functions) reference.
    const fnBodies = new Map();
    for (const s of body) {
      if (s.type === 'FunctionDeclaration') fnBodies.set(s.id.name, s);
    }
    for (const { node } of scopeVars(body)) {
      for (const d of node.declarations) if (d.init && d.init.type === 'FunctionExpression') fnBodies.set(d.id.name, d.init);
    }
    const refMemo = new Map();
    const refsOf = (name, seen = new Set()) => {
      if (refMemo.has(name)) return refMemo.get(name);
      if (seen.has(name)) return new Set();
      seen.add(name);
      const f = fnBodies.get(name);
      const result = new Set();
      const shadow = new Set(declaredIn(f));
      for (const s of f.body.body) for (const r of references(s, { iifes, deep: true, shadow })) if (own.has(r.name)) result.add(r.name);
      for (const r of [...result]) if (fnBodies.has(r)) for (const x of refsOf(r, seen)) result.add(x);
      refMemo.set(name, result);
      return result;
    };
    const available = new Set();
    if (scope.type !== 'Program') {
      for (const p of scope.params) available.add(p.name);
      available.add('arguments');
      if (scope.id && scope.type === 'FunctionExpression') available.add(scope.id.name);
    }
    const events = [];
    const collectEvents = (n) => {
      if (n.type === 'FunctionDeclaration') {
        events.push({ pos: n.start, decl: n.id.name });
        return;
      }
      if (FN(n) && !iifes.has(n)) return;
      if (n.type === 'VariableDeclarator') {
        if (n.init) collectEvents(n.init);
        events.push({ pos: n.end, decl: n.id.name });
        return;
      }
      if (n.type === 'Identifier') return;
      for (const c of children(n)) collectEvents(c);
    };
    for (const s of body) {
      const start = events.length;
      collectEvents(s);
      for (const r of references(s, { iifes, deep: false })) events.push({ pos: r.start, ref: r });
      events.splice(start, events.length - start, ...events.slice(start).sort((a, b) => a.pos - b.pos || (a.decl ? 1 : -1)));
    }
    const report = (name, node, via) => {
      problems.push(`"${name}" used before its declaration ran, line ${node.loc.start.line}:${node.loc.start.column}${via ? ' (through a call to ' + via + ')' : ''}`);
    };
    for (const ev of events) {
      if (ev.decl) {
        available.add(ev.decl);
        continue;
      }
      const name = ev.ref.name;
      if (!own.has(name)) continue;
      if (!available.has(name)) {
        report(name, ev.ref);
        continue;
      }
      if (fnBodies.has(name) && isCalled(ev.ref)) {
        for (const x of refsOf(name)) if (!available.has(x)) report(x, ev.ref, name);
      }
    }
  };
  // Parent links let isCalled see whether a reference is a callee.
  const parents = new Map();
  const link = (n) => {
    for (const c of children(n)) {
      parents.set(c, n);
      link(c);
    }
  };
  link(ast);
  const isCalled = (id) => {
    const p = parents.get(id);
    return p && (p.type === 'CallExpression' || p.type === 'NewExpression') && p.callee === id;
  };
  const all = (n) => {
    if (n.type === 'Program' || FN(n)) checkScope(n);
    for (const c of children(n)) all(c);
  };
  all(ast);
  return [...new Set(problems)];
}
