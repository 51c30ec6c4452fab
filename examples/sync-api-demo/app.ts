/**
 * sync-api-demo configuration (loaded in the engine thread by `attach()`): readings arrive from a
 * producer thread into a ring; a transform keeps their running average in a SingleLatest record; a
 * tap logs each reading; commands to the device go through a Mailbox.
 */
import { key, mailbox, ring, singleLatest, type Builder } from '../../core/index.js';

/** One temperature reading. */
export interface Reading {
  seq: number;
  celsius: number;
}
/** Running average of the readings so far. */
export interface Average {
  count: number;
  celsius: number;
}
/** A command for the device. */
export interface Command {
  action: 'calibrate' | 'reset';
}

export const ReadingKey = key<Reading>('demo.reading', 'Reading');
export const AverageKey = key<Average>('demo.average', 'Average');
export const CommandKey = key<Command>('demo.command', 'Command');

/** The configure function `attach()` calls; the async API could call it just the same. */
export function configure(b: Builder): void {
  b.configure(ReadingKey, (r) =>
    r.buffer(ring(8)).tap((ctx, c) => {
      c.each((v) => ctx.log.info(`tap: reading #${v.seq} ${v.celsius.toFixed(1)} C`));
    }),
  )
    .configure(AverageKey, (r) =>
      r.buffer(singleLatest()).transform(ReadingKey, (t) =>
        t.withState({ n: 0, sum: 0 }).onValue((v, s) => {
          s.n++;
          s.sum += v.celsius;
          return { count: s.n, celsius: s.sum / s.n };
        }),
      ),
    )
    .configure(CommandKey, (r) => r.buffer(mailbox()));
}
