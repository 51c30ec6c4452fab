/**
 * hello-mailbox: commands to an actuator. Each command goes to exactly one of two workers
 * (competitive, take-on-read); a command overwritten before anyone took it is lost and counted.
 */
import { builder, key, mailbox, type Database, type RuntimeAdapter } from '../../core/index.js';

/** A command. */
export interface Command {
  id: number;
  action: 'open' | 'close';
}

/** The record key. */
export const ValveCommand = key<Command>('hello.valve.cmd', 'Command');

/** Builds and starts the example. */
export function helloMailbox(rt: RuntimeAdapter, print: (line: string) => void): Database {
  const db = builder(rt)
    .configure(ValveCommand, (r) =>
      r
        .buffer(mailbox())
        .tap((_ctx, c) => void c.each((cmd) => print(`worker 1: #${cmd.id} ${cmd.action}`)))
        .tap((_ctx, c) => void c.each((cmd) => print(`worker 2: #${cmd.id} ${cmd.action}`))),
    )
    .build()
    .start();
  const ctx = db.context('hello');
  // A handle obtained once: each command is one `produce`, with no name lookup.
  const valve = db.producer(ValveCommand);
  let id = 0;
  const t = ctx.every(50, () => {
    id++;
    valve.produce({ id, action: id % 2 ? 'open' : 'close' });
    if (id === 4) {
      // Three commands back to back: #4 and #5 are overwritten before a worker can take them.
      valve.produce({ id: 5, action: 'open' });
      valve.produce({ id: 6, action: 'close' });
      t.cancel();
    }
  });
  return db;
}
