/**
 * Regression: a SingleLatest update lost on the serial line left the gateway twin stale forever
 * (found by the fault harness). The device session now re-reads SingleLatest records every
 * `resync_ms` (default 1000 ms), so the twin converges within that bound.
 */
import { expect } from 'chai';
import { St, sleep, startRig, waitFor, type Rig, type State } from './rig.js';

describe('faults: SingleLatest re-sync over a lossy serial line', function () {
  this.timeout(20000);
  let rig: Rig | undefined;

  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  it('re-syncs a SingleLatest whose update frame was lost on the line (regression)', async () => {
    rig = await startRig({ broker: 'aedes', proxy: false });
    const twin = () => rig!.gw.db!.peek({ name: 'pico.actuator.state', type: 'twin:state' }) as (State & { n: number }) | undefined;
    rig.dev.db.set(St, { open: false, n: 1 } as State);
    await waitFor(() => twin()?.n === 1, 3000, 'first state at the twin');
    // One frame lost on the line (truncated), then a clean line again and a quiet device.
    rig.line.setNoise({ bitFlip: 0, truncate: 1, garbage: 0 });
    rig.dev.db.set(St, { open: true, n: 2 } as State);
    await sleep(50);
    rig.line.setNoise(null);
    await sleep(2000);
    // The device's state is n=2; no gap shows on a quiet record, so only the re-sync can tell.
    expect(rig.dev.db.peek(St)).to.deep.equal({ open: true, n: 2 });
    expect(twin()?.n, 'twin converged to the device state within 2 s of the line recovering').to.equal(2);
  });
});
