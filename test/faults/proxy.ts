/**
 * A fault-injecting TCP proxy on 127.0.0.1 (test support for the fault suite and the soak).
 *
 * Placed between a client (gateway, board) and a broker, it forwards bytes both ways and can:
 * - `delay(ms)`: add latency to every chunk, order preserved (per direction);
 * - `throttle(bytesPerSec)`: limit the downstream (server → client) rate: a slow reader;
 * - `partition()` / `heal()`: a black hole — bytes are silently discarded both ways and new
 *   connections are accepted but never forwarded, exactly what a dead Wi-Fi link looks like to TCP
 *   (no RST, no FIN). Only a keepalive notices. `heal()` resets every connection that lost bytes
 *   (its MQTT stream is desynchronised, as a real TCP would after a retransmission timeout) and
 *   forwards again;
 * - `resetAll()`: drops every connection abruptly (RST);
 * - `lossy(p)`: each forwarded chunk resets its connection with probability `p` (a flaky link).
 *
 * Counters: connections accepted, resets, bytes forwarded and discarded.
 *
 * @example
 * const px = await startFaultProxy(broker.port);
 * gateway config broker.url = px.url; px.partition(); await sleep(500); px.heal();
 */
import * as net from 'node:net';

/** Counters of a proxy. */
export interface ProxyStats {
  accepted: number;
  resets: number;
  bytesForwarded: number;
  bytesDiscarded: number;
}

/** A running proxy. */
export interface FaultProxy {
  readonly port: number;
  /** `mqtt://127.0.0.1:<port>`. */
  readonly url: string;
  readonly stats: ProxyStats;
  /** Open proxied connections now. */
  connections(): number;
  delay(ms: number): void;
  throttle(bytesPerSec: number): void;
  partition(): void;
  heal(): void;
  resetAll(): void;
  lossy(p: number, random?: () => number): void;
  /** Points new connections at another port (the broker came back elsewhere). */
  retarget(port: number): void;
  close(): Promise<void>;
}

interface Pair {
  client: net.Socket;
  server: net.Socket | null;
  /** Bytes were discarded during a partition: the stream is no longer consistent. */
  poisoned: boolean;
  /** Pending delayed writes per direction (timers), so close() can cancel them. */
  timers: Set<NodeJS.Timeout>;
  /** Chunks held back by `delay`, per direction, in order; one drain timer each. */
  upDelayed: Array<{ at: number; chunk: Buffer }>;
  downDelayed: Array<{ at: number; chunk: Buffer }>;
  upTimer: NodeJS.Timeout | null;
  downTimer: NodeJS.Timeout | null;
  /** Slow-reader queue (server → client) while throttled. */
  downQueue: Buffer[];
  downQueued: number;
  pumping: boolean;
}

/** Starts a proxy to `127.0.0.1:targetPort`. */
export async function startFaultProxy(targetPort: number): Promise<FaultProxy> {
  let target = targetPort;
  const pairs = new Set<Pair>();
  const stats: ProxyStats = { accepted: 0, resets: 0, bytesForwarded: 0, bytesDiscarded: 0 };
  let delayMs = 0;
  let downRate = 0;
  let partitioned = false;
  let lossP = 0;
  let rnd: () => number = Math.random;

  function kill(p: Pair): void {
    if (!pairs.delete(p)) return;
    stats.resets++;
    for (const t of p.timers) clearTimeout(t);
    p.timers.clear();
    p.client.resetAndDestroy();
    p.server?.resetAndDestroy();
  }

  function forward(p: Pair, chunk: Buffer, up: boolean): void {
    if (!pairs.has(p)) return;
    if (partitioned || !p.server) {
      stats.bytesDiscarded += chunk.length;
      p.poisoned = true;
      return;
    }
    if (lossP > 0 && rnd() < lossP) {
      stats.bytesDiscarded += chunk.length;
      kill(p);
      return;
    }
    if (!up && downRate > 0) {
      // A slow reader: chunks wait in a queue drained at `downRate`; while the queue is long we
      // stop reading from the server, so TCP pushes back on the sender.
      p.downQueue.push(chunk);
      p.downQueued += chunk.length;
      if (p.downQueued > downRate / 5) p.server.pause();
      pump(p);
      return;
    }
    // Latency: a FIFO per direction drained by one timer, so chunks keep their order even when the
    // delay changes (per-chunk timers of different lengths may fire out of order).
    const q = up ? p.upDelayed : p.downDelayed;
    if (delayMs === 0 && q.length === 0) {
      stats.bytesForwarded += chunk.length;
      (up ? p.server : p.client).write(chunk);
      return;
    }
    q.push({ at: Date.now() + delayMs, chunk });
    drainDelayed(p, up);
  }

  function drainDelayed(p: Pair, up: boolean): void {
    if (!pairs.has(p)) return;
    const q = up ? p.upDelayed : p.downDelayed;
    const dst = up ? p.server! : p.client;
    const now = Date.now();
    while (q.length > 0 && q[0].at <= now) {
      const c = q.shift()!.chunk;
      stats.bytesForwarded += c.length;
      dst.write(c);
    }
    if (q.length === 0 || (up ? p.upTimer : p.downTimer)) return;
    const t = setTimeout(() => {
      p.timers.delete(t);
      if (up) p.upTimer = null;
      else p.downTimer = null;
      drainDelayed(p, up);
    }, q[0].at - now);
    p.timers.add(t);
    if (up) p.upTimer = t;
    else p.downTimer = t;
  }

  /** Drains a pair's slow-reader queue: 20 ticks a second at `downRate`, everything when unthrottled. */
  function pump(p: Pair): void {
    if (p.pumping || !pairs.has(p)) return;
    let budget = downRate > 0 ? Math.max(1, Math.floor(downRate / 20)) : Infinity;
    while (p.downQueue.length > 0 && budget > 0) {
      let c = p.downQueue[0];
      if (c.length > budget) {
        p.downQueue[0] = c.subarray(budget);
        c = c.subarray(0, budget);
      } else p.downQueue.shift();
      budget -= c.length;
      p.downQueued -= c.length;
      stats.bytesForwarded += c.length;
      p.client.write(c);
    }
    if (p.downQueued <= downRate / 10 || downRate === 0) p.server?.resume();
    if (p.downQueue.length === 0) return;
    p.pumping = true;
    const t = setTimeout(() => {
      p.timers.delete(t);
      p.pumping = false;
      pump(p);
    }, 50);
    p.timers.add(t);
  }

  function connectUp(p: Pair): void {
    const s = net.createConnection({ host: '127.0.0.1', port: target });
    p.server = s;
    s.setNoDelay(true);
    s.on('data', (d: Buffer) => forward(p, d, false));
    s.on('error', () => kill(p));
    s.on('close', () => kill(p));
  }

  const server = net.createServer((client) => {
    stats.accepted++;
    client.setNoDelay(true);
    const p: Pair = { client, server: null, poisoned: false, timers: new Set(), upDelayed: [], downDelayed: [], upTimer: null, downTimer: null, downQueue: [], downQueued: 0, pumping: false };
    pairs.add(p);
    client.on('data', (d: Buffer) => forward(p, d, true));
    client.on('error', () => kill(p));
    client.on('close', () => kill(p));
    if (partitioned) p.poisoned = true;
    else connectUp(p);
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  const port = (server.address() as net.AddressInfo).port;

  return {
    port,
    url: 'mqtt://127.0.0.1:' + port,
    stats,
    connections: () => pairs.size,
    delay(ms) {
      delayMs = ms;
    },
    throttle(bps) {
      downRate = bps;
      if (bps === 0) for (const p of pairs) pump(p);
    },
    partition() {
      partitioned = true;
    },
    heal() {
      partitioned = false;
      for (const p of [...pairs]) if (p.poisoned) kill(p);
    },
    resetAll() {
      for (const p of [...pairs]) kill(p);
    },
    lossy(prob, random) {
      lossP = prob;
      if (random) rnd = random;
    },
    retarget(newPort) {
      target = newPort;
    },
    async close() {
      for (const p of [...pairs]) kill(p);
      await new Promise<void>((res) => server.close(() => res()));
    },
  };
}
