/** `aimdb record list|get|set|drain|query`: the records of an AimDB instance. */
import { parseDuration } from '../../history/config.js';
import { compact, originText, table } from '../format.js';
import { CliCommand, CliContext, UsageError } from '../registry.js';

const USAGE = `Usage: aimdb record <list|get|set|drain|query> [args]
  record list                     every record: buffer, origin, counters, writability
  record get <name>               the record's latest value (JSON)
  record set <name> <json>        write a value (the record must be writable), e.g. 21.5, '"auto"', '{"on":true}'
  record drain <name> [--limit N] values since this connection's previous drain (first call opens the cursor)
  record query <pattern> [--since 10m] [--limit N]
                                  stored history (gateway with history:), newest N per record (default 1), oldest first`;

function need(ctx: CliContext, n: number, synopsis: string): void {
  if (ctx.args.length - 1 !== n) throw new UsageError(`expected ${synopsis}`, USAGE);
}

async function list(ctx: CliContext): Promise<number> {
  need(ctx, 0, 'record list');
  const c = await ctx.connect();
  const rows = await c.listRecords();
  if (ctx.json) {
    ctx.out(JSON.stringify(rows));
    return 0;
  }
  const lines = table(
    ['KEY', 'TYPE', 'BUFFER', 'CAP', 'ORIGIN', 'W', 'PRODUCED', 'CONSUMED', 'DROPPED', 'OCC'],
    rows.map((r) => [
      r.record_key,
      r.name || '-',
      r.buffer_type,
      String(r.buffer_capacity ?? '-'),
      originText(r.origin),
      r.writable ? 'yes' : 'no',
      String(r.produced_count ?? '-'),
      String(r.consumed_count ?? '-'),
      String(r.dropped_count ?? '-'),
      r.occupancy ? `${r.occupancy[0]}/${r.occupancy[1]}` : '-',
    ]),
  );
  for (const l of lines) ctx.out(l);
  return 0;
}

async function get(ctx: CliContext): Promise<number> {
  need(ctx, 1, 'record get <name>');
  const c = await ctx.connect();
  const v = await c.getRecord(ctx.args[1]);
  ctx.out(ctx.json ? JSON.stringify({ name: ctx.args[1], value: v }) : compact(v));
  return 0;
}

async function set(ctx: CliContext): Promise<number> {
  need(ctx, 2, 'record set <name> <json-value>');
  const [, name, text] = ctx.args;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new UsageError(`value ${JSON.stringify(text)} is not JSON (quote a string: '"${text}"')`, USAGE);
  }
  const c = await ctx.connect();
  const r = await c.setRecord(name, value);
  ctx.out(ctx.json ? JSON.stringify(r) : `${name} = ${compact(r.value !== undefined ? r.value : value)}`);
  return 0;
}

async function drain(ctx: CliContext): Promise<number> {
  need(ctx, 1, 'record drain <name> [--limit N]');
  const limit = ctx.flags.limit as number | undefined;
  if (limit !== undefined && limit % 1 !== 0) throw new UsageError('--limit must be a whole number', USAGE);
  const c = await ctx.connect();
  const r = await c.drain(ctx.args[1], limit);
  if (ctx.json) ctx.out(JSON.stringify(r));
  else for (const v of r.values) ctx.out(compact(v));
  if (!ctx.json) ctx.err(`${r.count} value(s) from ${r.record_name}`);
  return 0;
}

interface QueryReply {
  records: Array<{ topic: string; payload: unknown; ts: number }>;
  total: number;
  truncated?: boolean;
}

async function query(ctx: CliContext): Promise<number> {
  need(ctx, 1, 'record query <pattern> [--since 10m] [--limit N]');
  const limit = ctx.flags.limit as number | undefined;
  if (limit !== undefined && (limit % 1 !== 0 || limit < 1)) throw new UsageError('--limit must be a whole number ≥ 1', USAGE);
  const params: { name: string; limit?: number; start?: number } = { name: ctx.args[1] };
  if (limit !== undefined) params.limit = limit;
  if (ctx.flags.since !== undefined) {
    const ms = parseDuration(ctx.flags.since);
    if (ms === undefined) throw new UsageError(`--since ${JSON.stringify(ctx.flags.since)}: expected a duration such as 90s, 10m, 24h or 7d`, USAGE);
    params.start = Date.now() - ms;
  }
  const c = await ctx.connect();
  const r = await c.call<QueryReply>('record.query', params);
  if (ctx.json) {
    ctx.out(JSON.stringify(r));
    return 0;
  }
  for (const line of table(
    ['TIME', 'RECORD', 'VALUE'],
    r.records.map((x) => [new Date(x.ts).toISOString(), x.topic, compact(x.payload)]),
  ))
    ctx.out(line);
  ctx.err(`${r.total} value(s)${r.truncated ? ' (cut to one frame: the oldest were left out)' : ''}`);
  return 0;
}

export const command: CliCommand = {
  name: 'record',
  summary: 'list, read, write and drain records',
  usage: USAGE,
  flags: { limit: 'number', since: 'string' },
  async run(ctx) {
    const sub = ctx.args[0];
    switch (sub) {
      case 'list':
        return list(ctx);
      case 'get':
        return get(ctx);
      case 'set':
        return set(ctx);
      case 'drain':
        return drain(ctx);
      case 'query':
        return query(ctx);
      case undefined:
        throw new UsageError('missing subcommand (list, get, set, drain or query)', USAGE);
    }
    throw new UsageError(`unknown subcommand '${sub}' (list, get, set, drain or query)`, USAGE);
  },
};
