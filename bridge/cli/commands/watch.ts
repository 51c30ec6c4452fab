/**
 * `aimdb watch <key|pattern>`: streams a subscription as timestamped lines with the subscription
 * `seq`; gaps (values lost on the way: ring overrun, dropped events) are flagged on the line after
 * them. Stops on Ctrl-C, after `--count` updates or after `--duration` ms.
 */
import { compact } from '../format.js';
import { CliCommand, UsageError } from '../registry.js';

const USAGE = `Usage: aimdb watch <key|pattern> [--count N] [--duration MS]
  <key|pattern>    a record key, or a pattern: * one dot-separated segment, # zero or more
                   (e.g. sensor.temp, sensor.*, '#')
  --count N        stop after N updates
  --duration MS    stop after MS milliseconds
Lines: <time> seq=<n> <record> <value> [snapshot] [GAP: n lost]`;

export const command: CliCommand = {
  name: 'watch',
  summary: 'stream a record or pattern (timestamped, with seq and gaps)',
  usage: USAGE,
  flags: { count: 'number', duration: 'number' },
  async run(ctx) {
    if (ctx.args.length !== 1) throw new UsageError(ctx.args.length === 0 ? 'missing <key|pattern>' : 'expected exactly one <key|pattern>', USAGE);
    const topic = ctx.args[0];
    const count = ctx.flags.count as number | undefined;
    const duration = ctx.flags.duration as number | undefined;
    if (count !== undefined && (count < 1 || count % 1 !== 0)) throw new UsageError('--count must be a whole number ≥ 1', USAGE);
    const c = await ctx.connect();
    let n = 0;
    let lost = 0;
    const outcome = await new Promise<number>((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = (code: number) => {
        if (timer) clearTimeout(timer);
        ctx.signal.removeEventListener('abort', onAbort);
        resolve(code);
      };
      const onAbort = () => done(0);
      ctx.signal.addEventListener('abort', onAbort);
      if (ctx.signal.aborted) return done(0);
      if (duration !== undefined) timer = setTimeout(() => done(0), duration);
      c.subscribe(
        topic,
        (u) => {
          n++;
          lost += u.skipped;
          const time = new Date().toISOString();
          if (ctx.json) {
            ctx.out(JSON.stringify({ time, seq: u.seq, topic: u.topic, value: u.value, snapshot: u.snapshot, skipped: u.skipped }));
          } else {
            ctx.out(`${time} seq=${u.seq} ${u.topic} ${compact(u.value)}${u.snapshot ? ' [snapshot]' : ''}${u.skipped > 0 ? ` [GAP: ${u.skipped} lost]` : ''}`);
          }
          if (count !== undefined && n >= count) done(0);
        },
        (e) => {
          ctx.err(`aimdb watch: ${e.message}`);
          done(1);
        },
      );
    });
    if (!ctx.json) ctx.err(`watch: ${n} update(s), ${lost} lost in gaps`);
    return outcome;
  },
};
