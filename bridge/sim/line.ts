/**
 * A simulated serial line between a device database and the gateway: the device side serves AimX
 * over COBS on one end of an in-memory byte-stream pair (what an MCU does on its UART); `open()`
 * dials the other end the way the gateway dials `serial://…`. No baud rate and no noise unless
 * injected (`gatewayEnd.inject(bytes)`).
 */
import type { Database } from '../../core/index.js';
import { aimxServer, serveAimxOnStream, type AimxServerOptions } from '../../core/aimx/index.js';
import { dialStream, memoryStreamPair, type MessageConn, type StreamEnd } from '../aimx/index.js';

/** Both ends of a simulated line and the gateway-side opener. */
export interface SimulatedLine {
  /** Dials the gateway end (one AimX connection per call while the line is up). */
  open(): Promise<MessageConn>;
  /** The device's end (inject noise that the device would see). */
  deviceEnd: StreamEnd;
  /** The gateway's end (inject noise that the gateway would see). */
  gatewayEnd: StreamEnd;
}

/**
 * Serves `db` on a new in-memory line.
 *
 * @example
 * const line = simulatedLine(deviceDb);
 * new Gateway(config, { simulators: { pico: line.open } });
 */
export function simulatedLine(db: Database, name = 'device', options?: AimxServerOptions): SimulatedLine {
  const { a, b } = memoryStreamPair();
  const link = serveAimxOnStream(aimxServer(db, options), { transport: 'serial', peer: name, trusted: true });
  link.attach(a.open(link));
  return { open: () => dialStream((h) => b.open(h), name), deviceEnd: a, gatewayEnd: b };
}
