/**
 * Writes the security section of docs/GUARANTEES.md from artifacts/security.json (what the last run
 * of test/security measured): `node --import tsx test/security/report.ts`.
 * The section sits between `<!-- security:begin -->` and `<!-- security:end -->`; the rest of the
 * file is tools/guarantees.mjs's, which carries this section over when it regenerates.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AttackResult } from './harness.js';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const RESULTS = path.join(ROOT, 'artifacts/security.json');
const DOC = path.join(ROOT, 'docs/GUARANTEES.md');
const BEGIN = '<!-- security:begin -->';
const END = '<!-- security:end -->';

const ORDER = ['flood-prelogin-tcp', 'flood-prelogin-ws', 'flood-loggedin-noread', 'silent-connections', 'device-record-list', 'device-seq-and-silence', 'mqtt-embedded', 'mqtt-mosquitto', 'writes-gateway', 'writes-firmware', 'token-guessing', 'defaults-http', 'defaults-config'];

const cell = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function securitySection(doc: { updated: string; node: string; attacks: { [id: string]: AttackResult } }): string {
  const ids = Object.keys(doc.attacks).sort((a, b) => {
    const ia = ORDER.indexOf(a);
    const ib = ORDER.indexOf(b);
    return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || doc.attacks[a].item - doc.attacks[b].item;
  });
  const out: string[] = [BEGIN, '## Security: attacks and what they achieve (measured)', ''];
  out.push(
    `Generated from \`artifacts/security.json\` by \`test/security/report.ts\` after a run of \`test/security/\` (Node ${doc.node}, ${doc.updated}). ` +
      'Each attack runs against a real `aimdb edge` process on loopback (heap limited to 256 MB), with a legitimate client that has the token ' +
      'connecting from another loopback address (127.0.0.2) throughout. Figures are what that run measured.',
    '',
  );
  out.push('| # | Attack | What it did | Result | Legitimate client | RSS before / during / after (MB) |', '|---|---|---|---|---|---|');
  for (const id of ids) {
    const a = doc.attacks[id];
    const legit = a.legit ? `${a.legit.served}/${a.legit.tried} served${a.legit.worstMs ? `, slowest ${a.legit.worstMs} ms` : ''}` : '—';
    const rss = a.rss ? `${a.rss.before} / ${a.rss.during} / ${a.rss.after}` : '—';
    out.push(`| ${a.item} | ${cell(a.title)} | ${cell(a.attack)} | ${cell(a.outcome)} | ${legit} | ${rss} |`);
  }
  out.push(
    '',
    'The limits behind these results (bridge/aimx/limits.ts, bridge/gateway/broker.ts, bridge/gateway/devices.ts): output per connection ' +
      'paused past 1 MiB buffered and closed past 8 MiB; 16 frames and 10 s (`remote.login_timeout_ms`) to log in; an idle logged-in session ' +
      'without subscriptions closed after 300 s (`remote.idle_timeout_ms`); not-logged-in sessions counted per pool (32) and per address (4), apart ' +
      'from logged-in ones (`remote.max_sessions`, 8); a failed token puts the address in a backoff of 250 ms doubling to 10 s; refusals logged ' +
      'as one summary line a minute; device rows checked (key grammar, `$` and `.set` reserved, capacity ≤ 65,536, ≤ 1,024 rows); ' +
      'a device answering no ping for `heartbeat_ms` (5 s) twice is offline; commands ≤ 1,024 bytes and of the declared `schemas` shape.',
    '',
    'Known limits: per-address limits treat every client behind one NAT address as one peer (a legitimate client on the guessing address ' +
      'waits out the backoff, at most 10 s); on an external broker a client-id takeover is the broker\'s to prevent (mosquitto lets a user ' +
      'reconnect with any client id; `use_username_as_clientid` prevents it at the cost of one connection per user); `delivery: "accepted"` ' +
      'means forwarded to the device, whose own reply is not awaited (a refusal there is logged and counted in the link\'s `dropped`).',
    END,
  );
  return out.join('\n');
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const doc = JSON.parse(fs.readFileSync(RESULTS, 'utf8'));
  const text = fs.readFileSync(DOC, 'utf8');
  const section = securitySection(doc);
  const b = text.indexOf(BEGIN);
  const e = text.indexOf(END);
  const next = b >= 0 && e > b ? text.slice(0, b) + section + text.slice(e + END.length) : text.replace(/\n*$/, '\n\n') + section + '\n';
  fs.writeFileSync(DOC, next);
  console.log(`security: wrote the section of ${DOC} (${Object.keys(doc.attacks).length} attacks)`);
}
