/** Shared pieces of the gateway suites: a simulated AimX device on an in-memory serial line. */
import { builder, key, mailbox, ring, singleLatest, type Database } from '../../core/index.js';
import { nodeRuntime } from '../../targets/node/index.js';
import { simulatedLine as simLine } from '../../bridge/sim/line.js';

export interface Position {
  mm: number;
}
export interface State {
  open: boolean;
}
export interface Cmd {
  open: boolean;
}
export const Pos = key<Position>('actuator.position', 'Position');
export const St = key<State>('actuator.state', 'State');
export const Command = key<Cmd>('actuator.cmd', 'Cmd');

/** A device: position ring, state, and a command mailbox that drives the state. */
export function device(): { db: Database; commands: Cmd[] } {
  const commands: Cmd[] = [];
  const db = builder(nodeRuntime({ sink: () => {} }))
    .nodeId('pico-sim')
    .configure(Pos, (r) => r.buffer(ring(128)))
    .configure(St, (r) => r.buffer(singleLatest()))
    .configure(Command, (r) =>
      r
        .buffer(mailbox())
        .remote({ writable: true })
        .tap((_ctx, c) => {
          c.each((cmd) => {
            commands.push(cmd);
            db.set(St, { open: cmd.open });
          });
        }),
    )
    .build();
  db.start();
  return { db, commands };
}

/** A simulated serial line (bridge/sim/line.ts). */
export function simulatedLine(db: Database) {
  return simLine(db, 'pico');
}

export { waitFor } from '../support/wait.js';
