/**
 * One fault scenario on the gateway rig (rig.ts), the same script for every fault:
 *
 * 1. warm-up: 10 ring values reach the receiver (so its gap tracker has a starting point);
 * 2. the fault starts; for `faultMs` the device produces a ring value every `periodMs`, changes its
 *    SingleLatest state every 100 ms, and the operator publishes a command every 250 ms (QoS 1);
 * 3. the fault ends: SingleLatest must reach the receiver within `latestBoundMs`; a command issued
 *    now must be executed exactly once;
 * 4. tail: 10 more ring values; once the last one is in, every ring value must be received or
 *    counted under one cause (sums checked exactly), and no command executed twice.
 *
 * Returns the measured figures (recorded in artifacts/guarantees.json by the caller).
 */
import { expect } from 'chai';
import { gatewayRing, sleep, waitFor, Pos, St, type Rig, type State } from './rig.js';
import { ringResult, type ScenarioResult } from './results.js';

export interface Fault {
  start(rig: Rig): Promise<void> | void;
  end(rig: Rig): Promise<void> | void;
}

export interface ScenarioOptions {
  faultMs: number;
  /** Ring production period during the fault, ms. Default 5. */
  periodMs?: number;
  /** SingleLatest must converge within this after the fault ends. */
  latestBoundMs: number;
  /** Allow values received but corrupted (bit-flip noise), instead of requiring exact identity. */
  tolerateCorruption?: boolean;
}

type Measured = Omit<ScenarioResult, 'title' | 'fault' | 'path' | 'broker'>;

export async function runScenario(rig: Rig, fault: Fault, o: ScenarioOptions): Promise<Measured> {
  const t0 = Date.now();
  const { dev, rx, op } = rig;
  let n = 0;
  const produce = () => dev.db.set(Pos, { mm: ++n });
  let cmdN = 0;
  const command = () => {
    const c = { open: ++cmdN % 2 === 0, n: cmdN };
    void op.publishAsync('aimdb/pico/actuator/cmd/set', JSON.stringify(c), { qos: 1 }).catch(() => {});
    return c.n;
  };
  let stateN = 0;
  const setState = () => dev.db.set(St, { open: ++stateN % 2 === 0, n: stateN } as State);

  // 1. warm-up
  setState();
  for (let i = 0; i < 10; i++) produce();
  await waitFor(() => rx.got.length === 10, 5000, 'warm-up values at the receiver');
  await waitFor(() => (rx.state() as any)?.n === stateN, 5000, 'warm-up state');
  command();
  await waitFor(() => dev.executed.length === 1, 5000, 'warm-up command');

  // 2. the fault, under load
  let maxQueue = 0;
  const sampler = setInterval(() => {
    const q = gatewayRing(rig).out.queued;
    if (q > maxQueue) maxQueue = q;
  }, 5);
  await fault.start(rig);
  const tf = Date.now();
  let lastCmdDuringFault = 0;
  let nextState = tf;
  let nextCmd = tf;
  while (Date.now() - tf < o.faultMs) {
    produce();
    if (Date.now() >= nextState) {
      setState();
      nextState += 100;
    }
    if (Date.now() >= nextCmd) {
      lastCmdDuringFault = command();
      nextCmd += 250;
    }
    await sleep(o.periodMs ?? 5);
  }
  setState();
  const finalState = stateN;
  await fault.end(rig);
  const faultMs = Date.now() - tf;
  const tRecovered = Date.now();

  // 3. convergence
  let converged = true;
  try {
    await waitFor(() => (rx.state() as any)?.n === finalState, o.latestBoundMs, 'SingleLatest convergence');
  } catch {
    converged = false;
  }
  const convergenceMs = Date.now() - tRecovered;
  // The gateway must be connected again before the post-recovery command can be routed.
  await rig.gw.ready(15000);
  await sleep(300);
  const afterCmd = command();
  let latestDelivered = true;
  try {
    await waitFor(() => dev.executed.some((c: any) => c.n === afterCmd), 8000, 'command issued after recovery');
  } catch {
    latestDelivered = false;
  }

  // 4. tail
  const beforeTail = n;
  for (let i = 0; i < 10; i++) {
    produce();
    await sleep(2);
  }
  await waitFor(() => rx.got.length > 0 && rx.got[rx.got.length - 1] === n, 8000, `last ring value ${n} at the receiver`);
  await sleep(100);
  clearInterval(sampler);

  // Accounting (see rig.ts): device ring → serial (AimX seq) → twin ring → MQTT (envelope seq) → receiver.
  const g = gatewayRing(rig);
  const sess = rig.line.session();
  const deviceLag = sess ? sess.stats.lagged + sess.stats.eventsDropped : 0;
  const rxGaps = rx.inLink().gaps;
  const rxDropped = rx.db.records().find((r) => r.key === 'rx.position')!.metrics.dropped;
  const overwrite = g.rec.metrics.dropped + deviceLag + rxDropped;
  const queueDrop = g.out.dropped;
  const serialLoss = g.inLink.gaps + g.inLink.decodeErrors - deviceLag;
  const mqttLoss = rxGaps - g.rec.metrics.dropped - queueDrop;
  const distinct = new Set(rx.got);
  const corrupted = rx.got.filter((v, i) => !(Number.isInteger(v) && v >= 1 && v <= n) || (i > 0 && v <= rx.got[i - 1])).length;
  const ring = ringResult(n, rx.got.length, { ringOverwrite: overwrite, offlineQueueDrop: queueDrop, inTransit: serialLoss + mqttLoss }, o.tolerateCorruption ? corrupted : undefined);

  const executed = dev.executed.map((c: any) => c.n as number);
  const duplicates = executed.length - new Set(executed).size;
  const result: Measured = {
    faultMs,
    single_latest: { convergenceMs, boundMs: o.latestBoundMs, converged },
    mailbox: {
      sent: cmdN,
      delivered: new Set(executed).size,
      duplicates,
      latestDelivered,
      lost: cmdN - new Set(executed).size,
    },
    spmc_ring: ring,
    memory: { maxOfflineQueue: maxQueue, offlineQueueLimit: 32 },
    figures: {
      lastCommandDuringFaultDelivered: executed.includes(lastCmdDuringFault),
      serialFramesBad: g.inLink.decodeErrors,
      receiverGaps: rxGaps,
      twinInboundGaps: g.inLink.gaps,
      tailStartedAt: beforeTail,
    },
    passed: false,
    durationMs: 0,
  };

  // The guarantees, asserted.
  expect(converged, `SingleLatest converged within ${o.latestBoundMs} ms`).to.equal(true);
  expect(duplicates, 'no command executed twice').to.equal(0);
  expect(latestDelivered, 'command issued after recovery executed').to.equal(true);
  expect(maxQueue, 'offline queue bounded').to.be.at.most(32);
  expect(serialLoss, 'serial losses are non-negative').to.be.at.least(0);
  expect(mqttLoss, 'MQTT losses are non-negative').to.be.at.least(0);
  if (!o.tolerateCorruption) {
    expect(distinct.size, 'no ring value received twice').to.equal(rx.got.length);
    expect(rx.got, 'ring values in order').to.deep.equal([...rx.got].sort((a, b) => a - b));
    expect(ring.accounted, `received ${ring.received} + gaps ${JSON.stringify(ring.gaps)} = produced ${n}`).to.equal(true);
  }
  result.passed = true;
  result.durationMs = Date.now() - t0;
  return result;
}
