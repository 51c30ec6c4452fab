/** `aimdb instance info|ping`: who is at the other end, and how far away. */
import { table } from '../format.js';
import { CliCommand, UsageError } from '../registry.js';

const USAGE = `Usage: aimdb instance <info|ping> [--count N]
  instance info             server, protocol version, node, permissions, writable records
  instance ping [--count N] round-trip time of N pings (default 3)`;

export const command: CliCommand = {
  name: 'instance',
  summary: 'show the instance (info) or measure round trips (ping)',
  usage: USAGE,
  flags: { count: 'number' },
  async run(ctx) {
    const sub = ctx.args[0];
    if (sub !== 'info' && sub !== 'ping') throw new UsageError(sub ? `unknown subcommand '${sub}' (info or ping)` : 'missing subcommand (info or ping)', USAGE);
    if (ctx.args.length > 1) throw new UsageError(`unexpected argument '${ctx.args[1]}'`, USAGE);
    const c = await ctx.connect();
    if (sub === 'info') {
      const w = c.welcome;
      const records = await c.listRecords();
      const info = { endpoint: c.url, ...w, records: records.length };
      if (ctx.json) {
        ctx.out(JSON.stringify(info));
        return 0;
      }
      const rows: string[][] = [
        ['endpoint', c.url],
        ['server', w.server],
        ['protocol', w.version],
        ['node', w.node_id ?? '-'],
        ['runtime', w.runtime ?? '-'],
        ['records', String(records.length)],
        ['permissions', w.permissions.join(',')],
        ['writable', w.writable_records.join(',') || '-'],
        ['max subscriptions', String(w.max_subscriptions ?? '-')],
        ['authenticated', String(!!w.authenticated)],
      ];
      for (const l of table(['FIELD', 'VALUE'], rows).slice(1)) ctx.out(l);
      return 0;
    }
    const count = (ctx.flags.count as number | undefined) ?? 3;
    if (count < 1 || count % 1 !== 0) throw new UsageError('--count must be a whole number ≥ 1', USAGE);
    const times: number[] = [];
    for (let i = 0; i < count; i++) {
      if (ctx.signal.aborted) break;
      const ms = await c.ping();
      times.push(ms);
      ctx.out(ctx.json ? JSON.stringify({ seq: i + 1, ms }) : `pong from ${c.url}: seq=${i + 1} time=${ms.toFixed(2)} ms`);
    }
    if (!ctx.json && times.length > 0) {
      const avg = times.reduce((a, b) => a + b, 0) / times.length;
      ctx.err(`${times.length} ping(s), min/avg/max = ${Math.min(...times).toFixed(2)}/${avg.toFixed(2)}/${Math.max(...times).toFixed(2)} ms`);
    }
    return 0;
  },
};
