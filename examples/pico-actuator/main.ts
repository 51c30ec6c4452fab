/**
 * pico-actuator (Espruino Pico): a valve driven by Mailbox commands from the gateway, its state as
 * a SingleLatest, an LED Mailbox, its uptime as a liveness SingleLatest, and the AimX serial link (COBS frames on the UART, CONTRACT §6–7) through which
 * the gateway reads the records and writes the commands (`record.set actuator.valve.cmd`).
 *
 * Size: about 50 KB of ES5, about 41 KB pretokenised in the Pico's 48 KB of saved-code flash
 * (docs/MEMORY.md).
 */
import { builder, keyTable, mailbox, singleLatest } from '../../core/index.js';
import type { Database } from '../../core/index.js';
import { aimxServer, serveAimxOnStream } from '../../core/aimx/index.js';
import type { Platform } from '../../targets/espruino/boot.js';

/** A valve command (Mailbox: taken once, at most once per value). */
export interface ValveCommand {
  id: number;
  open: boolean;
}
/** The valve's state (SingleLatest: the gateway's late-join snapshot shows it). */
export interface ValveState {
  open: boolean;
  /** Id of the command that set it (0 at boot). */
  cmd: number;
  /** ms since boot when it changed. */
  at: number;
}
/** An LED command. */
export interface LedCommand {
  on: boolean;
}
/** Seconds since boot (SingleLatest, every 5 s). */
export interface Uptime {
  s: number;
}

export const Keys = keyTable<{ valveCmd: ValveCommand; valve: ValveState; led: LedCommand; uptime: Uptime }>('actuator.', {
  valveCmd: { key: 'valve.cmd', type: 'ValveCommand' },
  valve: { key: 'valve.state', type: 'ValveState' },
  led: { key: 'led.cmd', type: 'LedCommand' },
  uptime: { key: 'uptime', type: 'Uptime' },
});

/** UART speed of the gateway link (bits/s). */
export const BAUD = 115200;
/** Pin driving the valve relay (LED2 on the Pico stands in for it). */
export const VALVE_PIN = 'LED2';

/** The platform the app needs (Espruino's, or the host-driven one of the engine tests). */
export type ActuatorPlatform = Pick<Platform, 'runtime' | 'print' | 'openSerial'> & Partial<Platform>;

/**
 * Builds and starts the actuator and serves AimX on the board's UART.
 *
 * @example
 * bootEspruino(main, board); // the board bundle's entry does this
 */
export function main(platform: ActuatorPlatform): { stop(): void; db: Database } {
  const rt = platform.runtime;
  const print = platform.print;
  function pin(name: string, on: boolean) {
    if (!platform.setPin || !platform.setPin(name, on)) print(name + (on ? ' on' : ' off'));
  }
  const db = builder(rt)
    .nodeId('pico-actuator')
    .configure(Keys.valveCmd, (r) => r.buffer(mailbox()).remote({ writable: true }))
    .configure(Keys.valve, (r) =>
      r
        .buffer(singleLatest())
        .transform(Keys.valveCmd, (t) =>
          t.map((cmd, ctx) => {
            // A command is untrusted input: anything but {open: boolean} is refused, not acted on.
            if (!cmd || typeof cmd.open !== 'boolean') {
              ctx.log.warn('valve: bad command refused');
              return undefined;
            }
            pin(VALVE_PIN, cmd.open);
            return { open: cmd.open, cmd: cmd.id, at: Math.round(ctx.now()) };
          }),
        )
        .remote(),
    )
    .configure(Keys.led, (r) =>
      r
        .buffer(mailbox())
        .tap((_ctx, c) => {
          c.each((cmd) => {
            if (cmd && typeof cmd.on === 'boolean') pin('LED1', cmd.on);
          });
        })
        .remote({ writable: true }),
    )
    .configure(Keys.uptime, (r) =>
      r
        .buffer(singleLatest())
        .source((ctx, producer) => {
          ctx.every(5000, () => producer.produce({ s: Math.round(ctx.now() / 1000) }));
        })
        .remote(),
    )
    .build()
    .start();
  const server = aimxServer(db, { server: 'aimdb-js-pico', maxSubscriptions: 8, maxConnections: 1 });
  const link = serveAimxOnStream(server);
  link.attach(platform.openSerial(link, BAUD));
  print('pico-actuator serving AimX on ' + platform.board!.defaultUart);
  return {
    stop: function () {
      link.close();
      db.stop();
    },
    db: db,
  };
}
