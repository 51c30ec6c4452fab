/**
 * Line noise on the gateway's device line (device → gateway direction of the simulated UART):
 * garbage bursts and truncated frames (every loss is detected: exact accounting holds), then bit
 * flips (COBS and JSON carry no checksum: a flip inside a digit is accepted — measured, see
 * GUARANTEES.md).
 */
import { expect } from 'chai';
import { recordScenario } from './results.js';
import { runScenario, type Fault } from './scenario.js';
import { startRig, type LineNoise, type Rig } from './rig.js';

const noise = (n: LineNoise): Fault => ({
  start: (r) => r.line.setNoise(n),
  end: (r) => r.line.setNoise(null),
});

describe('faults: serial line noise (device → gateway)', function () {
  this.timeout(30000);
  let rig: Rig | undefined;

  afterEach(async () => {
    await rig?.stop();
    rig = undefined;
  });

  it('garbage bursts and truncated frames: losses detected and counted exactly, session stays up', async () => {
    const t0 = Date.now();
    rig = await startRig({ broker: 'aedes', proxy: false, seed: 11 });
    const m = await runScenario(rig, noise({ bitFlip: 0, truncate: 0.05, garbage: 0.05 }), { faultMs: 2000, latestBoundMs: 3000 });
    const s = rig.line.stats;
    expect(rig.gw.sessions.get('pico')!.state).to.equal('online');
    expect(m.spmc_ring!.gaps.inTransit).to.be.greaterThan(0);
    recordScenario('serial-garbage-truncation', {
      title: 'Garbage bursts and truncated frames on the device serial line', fault: 'serial-noise', path: 'device→gateway serial', broker: 'aedes', ...m,
      figures: { ...m.figures, framesOnLine: s.frames, truncated: s.truncated, garbageBursts: s.bursts, reconnects: rig.gw.sessions.get('pico')!.reconnects },
      durationMs: Date.now() - t0,
    });
  });

  it('bit flips (2 % of frames): nothing crashes, the session stays up; undetected corruption is measured', async () => {
    const t0 = Date.now();
    rig = await startRig({ broker: 'aedes', proxy: false, seed: 5 });
    const m = await runScenario(rig, noise({ bitFlip: 0.02, truncate: 0, garbage: 0 }), { faultMs: 2000, latestBoundMs: 3000, tolerateCorruption: true });
    const s = rig.line.stats;
    expect(rig.gw.sessions.get('pico')!.state).to.equal('online');
    recordScenario('serial-bit-flips', {
      title: 'Bit flips on the device serial line (no frame checksum)', fault: 'serial-bitflip', path: 'device→gateway serial', broker: 'aedes', ...m,
      figures: { ...m.figures, framesOnLine: s.frames, flipped: s.flipped, exactAccounting: m.spmc_ring!.accounted },
      notes: ['A flip that keeps the frame valid COBS and valid JSON is accepted: in a value it is undetected corruption; in a seq it inflates or hides gaps. Exact accounting needs a frame checksum (not in AimX v3).'],
      durationMs: Date.now() - t0,
    });
  });
});
