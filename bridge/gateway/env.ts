/**
 * Environment overrides of the gateway's configuration (`AIMDB_*` variables).
 */
import type { Json } from './config.js';

/** Parses an environment value: JSON scalars and lists where they parse, else the string. */
function envValue(s: string): Json {
  const t = s.trim();
  if (/^(true|false|null|-?\d+(\.\d+)?|\[.*\]|\{.*\})$/s.test(t)) {
    try {
      return JSON.parse(t) as Json;
    } catch {
      return s;
    }
  }
  return s;
}

/**
 * Applies `AIMDB_*` environment overrides to a raw document: `AIMDB_NODE_ID=edge-2`,
 * `AIMDB_BROKER__URL=mqtt://10.0.0.5`, `AIMDB_DEVICES__0__TRANSPORT=serial:///dev/ttyUSB1`.
 * `__` separates nested keys; a number selects a list item. Key names are lower-cased.
 * Returns the names of the variables applied.
 */
export function applyEnv(raw: { [k: string]: unknown }, env: { [k: string]: string | undefined }, prefix = 'AIMDB_'): string[] {
  const applied: string[] = [];
  for (const name of Object.keys(env).sort()) {
    if (!name.startsWith(prefix) || env[name] === undefined) continue;
    const path = name.slice(prefix.length).toLowerCase().split('__');
    if (path.some((p) => p === '')) continue;
    // AIMDB_CONNECT and AIMDB_TOKEN belong to the CLI client, AIMDB_ENGINES, AIMDB_APPS and
    // AIMDB_BOARDS to the device build tools: not to the gateway's file.
    if (path.length === 1 && ['connect', 'token', 'config', 'engines', 'apps', 'boards'].includes(path[0])) continue;
    let node: { [k: string]: unknown } | unknown[] = raw;
    for (let i = 0; i < path.length - 1; i++) {
      const k: string | number = /^\d+$/.test(path[i]) ? Number(path[i]) : path[i];
      const next = /^\d+$/.test(path[i + 1]) ? [] : {};
      const cur = (node as { [k: string]: unknown })[k as string];
      if (cur === undefined || cur === null || typeof cur !== 'object') (node as { [k: string]: unknown })[k as string] = next;
      node = (node as { [k: string]: unknown })[k as string] as { [k: string]: unknown };
    }
    const last = path[path.length - 1];
    // Secrets and names are taken as written: `AIMDB_REMOTE__TOKEN=null` is the token "null"… which
    // checkConfig then refuses as a placeholder, rather than a JSON null that turns auth off.
    const literal = last === 'token' || last === 'password' || last === 'username' || last === 'client_id';
    (node as { [k: string]: unknown })[/^\d+$/.test(last) ? Number(last) : last] = literal ? (env[name] as string) : envValue(env[name] as string);
    applied.push(name);
  }
  return applied;
}

/** Parses the text of a config file (YAML or JSON by extension; YAML is a superset of JSON). */
