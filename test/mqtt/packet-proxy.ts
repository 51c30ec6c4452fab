/**
 * A loopback TCP proxy that understands MQTT framing: it splits each direction into whole packets,
 * forwards each packet's own bytes unchanged, and lets a test drop a chosen packet or cut the
 * connection at it (RST both ways, as a network failure). Every packet seen is logged, parsed by
 * mqtt-packet, with the connection number and the time it passed.
 *
 * @example
 * const px = await packetProxy(broker.port);
 * px.rule = (p) => (p.dir === 'down' && p.cmd === 'puback' ? 'cut' : 'pass');
 */
import * as net from 'node:net';
import mqttPacket from 'mqtt-packet';

/** One packet seen by the proxy. */
export interface SeenPacket {
  /** `up`: client → broker; `down`: broker → client. */
  dir: 'up' | 'down';
  /** Connection number, from 1. */
  conn: number;
  cmd: string;
  /** mqtt-packet's parse of it (topic, messageId, dup, qos, payload, ...). */
  packet: any;
  /** The exact bytes. */
  raw: Buffer;
  /** `Date.now()` when it passed (or was dropped). */
  at: number;
  /** What the rule did with it. */
  action: Action;
}

export type Action = 'pass' | 'drop' | 'cut';

export interface PacketProxy {
  readonly port: number;
  readonly url: string;
  /** Decides per packet; default passes everything. */
  rule: (p: SeenPacket) => Action;
  readonly log: SeenPacket[];
  /** Packets of a command (and direction). */
  seen(cmd: string, dir?: 'up' | 'down'): SeenPacket[];
  /** Connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

/** Splits a byte stream into whole MQTT packets (fixed header + remaining length). */
function framer(onPacket: (raw: Buffer) => void): (chunk: Buffer) => boolean {
  let buf = Buffer.alloc(0);
  return (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      if (buf.length < 2) return true;
      let len = 0;
      let mult = 1;
      let i = 1;
      for (;;) {
        if (i >= buf.length) return true;
        const b = buf[i++];
        len += (b & 127) * mult;
        mult *= 128;
        if (!(b & 128)) break;
        if (i > 4) return false; // malformed length: let the test see it through the closed connection
      }
      if (buf.length < i + len) return true;
      const raw = buf.subarray(0, i + len);
      buf = buf.subarray(i + len);
      onPacket(Buffer.from(raw));
    }
  };
}

function parseOne(raw: Buffer): any {
  let out: any = { cmd: 'unparsable' };
  const parser = mqttPacket.parser({ protocolVersion: 4 });
  parser.on('packet', (p) => (out = p));
  parser.on('error', (e) => (out = { cmd: 'unparsable', error: e.message }));
  parser.parse(raw);
  return out;
}

/** Starts a packet proxy to 127.0.0.1:`targetPort` on a free loopback port. */
export async function packetProxy(targetPort: number): Promise<PacketProxy> {
  const log: SeenPacket[] = [];
  const sockets = new Set<net.Socket>();
  let conns = 0;
  const server = net.createServer((client) => {
    const conn = ++conns;
    const up = net.createConnection({ host: '127.0.0.1', port: targetPort });
    sockets.add(client).add(up);
    client.setNoDelay(true);
    up.setNoDelay(true);
    let dead = false;
    const cut = () => {
      if (dead) return;
      dead = true;
      client.resetAndDestroy();
      up.resetAndDestroy();
      sockets.delete(client);
      sockets.delete(up);
    };
    const side = (dir: 'up' | 'down', to: net.Socket) =>
      framer((raw) => {
        if (dead) return;
        const packet = parseOne(raw);
        const p: SeenPacket = { dir, conn, cmd: packet.cmd, packet, raw, at: Date.now(), action: 'pass' };
        p.action = proxy.rule(p);
        log.push(p);
        if (p.action === 'pass') to.write(raw);
        else if (p.action === 'cut') cut();
      });
    const fromClient = side('up', up);
    const fromBroker = side('down', client);
    client.on('data', (d) => fromClient(d) || cut());
    up.on('data', (d) => fromBroker(d) || cut());
    client.on('error', cut).on('close', cut);
    up.on('error', cut).on('close', cut);
  });
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', () => res()));
  const port = (server.address() as net.AddressInfo).port;
  const proxy: PacketProxy = {
    port,
    url: 'mqtt://127.0.0.1:' + port,
    rule: () => 'pass',
    log,
    seen: (cmd, dir) => log.filter((p) => p.cmd === cmd && (!dir || p.dir === dir)),
    connections: () => conns,
    async close() {
      for (const s of sockets) s.destroy();
      await new Promise<void>((res) => server.close(() => res()));
    },
  };
  return proxy;
}
