/**
 * The Node AimX client: the core {@link AimxClient} over a {@link MessageConn}, with Promises.
 * Used by the `aimdb` CLI and by the gateway (mirroring an MCU's records).
 */
import { aimError } from '../../core/index.js';
import type { AimError } from '../../core/index.js';
import { AimxClient } from '../../core/aimx/index.js';
import type { ClientSubscription, SubscriptionUpdate } from '../../core/aimx/index.js';
import type { MessageConn } from './conn.js';
import { parseEndpoint } from './endpoint.js';
import { dialSerial } from './serial.js';
import { dialTcp } from './tcp.js';
import { dialUnix } from './unix.js';
import { dialWs } from './ws.js';

/** The `hello` reply. */
export interface Welcome {
  version: string;
  server: string;
  permissions: string[];
  writable_records: string[];
  max_subscriptions?: number;
  authenticated?: boolean;
  node_id?: string;
  runtime?: string;
}

/** A `record.drain` reply. */
export interface DrainReply {
  record_name: string;
  values: unknown[];
  count: number;
}

/** Options of {@link connectAimx}. */
export interface ConnectOptions {
  /** Auth token sent in `hello`. Default none. */
  token?: string;
  /** Client name sent in `hello`. Default `'aimdb-js'`. */
  client?: string;
  /** Timeout of the connect + handshake and of each request, in ms. Default 5000. */
  timeoutMs?: number;
}

const nodeTimers = {
  setTimer: (fn: () => void, ms: number) => {
    const t = setTimeout(fn, ms);
    t.unref?.();
    return t;
  },
  clearTimer: (t: unknown) => clearTimeout(t as NodeJS.Timeout),
};

/** An open, handshaken AimX connection. */
export class AimxConnection {
  readonly client: AimxClient;
  welcome!: Welcome;
  private closedWaiters: Array<(reason?: string) => void> = [];
  private isClosed = false;

  constructor(
    readonly conn: MessageConn,
    readonly url: string,
    timeoutMs = 5000,
  ) {
    this.client = new AimxClient((t) => conn.send(t), { runtime: nodeTimers, timeoutMs });
    conn.onMessage = (t) => this.client.receive(t);
    conn.onClose = (reason) => {
      this.isClosed = true;
      this.client.close(reason ?? 'connection closed');
      for (const w of this.closedWaiters.splice(0)) w(reason);
    };
  }

  /** True once the connection ended. */
  get closed(): boolean {
    return this.isClosed;
  }

  /** Resolves when the connection ends (with the reason when it was not asked to). */
  whenClosed(): Promise<string | undefined> {
    if (this.isClosed) return Promise.resolve(undefined);
    return new Promise((r) => this.closedWaiters.push(r));
  }

  /** `hello`; stores and returns the welcome. */
  hello(client: string, token?: string): Promise<Welcome> {
    return new Promise((resolve, reject) =>
      this.client.hello(client, token, (err, w) => {
        if (err) return reject(err);
        this.welcome = w as Welcome;
        resolve(this.welcome);
      }),
    );
  }

  /** A raw request. Rejects with an `AimError` (`NOT_FOUND`, `DENIED`, …; `details.wire` = AimX code). */
  call<T = unknown>(method: string, params?: unknown): Promise<T> {
    return new Promise((resolve, reject) => this.client.call(method, params ?? null, (err, r) => (err ? reject(err) : resolve(r as T))));
  }

  listRecords(): Promise<any[]> {
    return this.call('record.list');
  }
  getRecord(name: string): Promise<unknown> {
    return this.call('record.get', { name });
  }
  setRecord(name: string, value: unknown): Promise<{ status: string; value?: unknown }> {
    return this.call('record.set', { name, value });
  }
  drain(name: string, limit?: number): Promise<DrainReply> {
    return this.call('record.drain', limit === undefined ? { name } : { name, limit });
  }
  graphNodes(): Promise<any[]> {
    return this.call('graph.nodes');
  }
  graphEdges(): Promise<any[]> {
    return this.call('graph.edges');
  }
  topoOrder(): Promise<string[]> {
    return this.call('graph.topo_order');
  }
  resetMetrics(): Promise<{ reset: boolean }> {
    return this.call('buffer_metrics.reset');
  }

  /** Subscribes; `onError` gets a refusal or the connection's end. */
  subscribe(topic: string, onUpdate: (u: SubscriptionUpdate) => void, onError?: (e: AimError) => void, onSubscribed?: () => void): ClientSubscription {
    return this.client.subscribe(topic, { onUpdate, onError, onSubscribed });
  }

  /** Fire-and-forget write. */
  write(topic: string, value: unknown): void {
    this.client.write(topic, value);
  }

  /** Round trip of a `ping`, in ms. */
  ping(timeoutMs = 5000): Promise<number> {
    const t0 = performance.now();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(aimError('TIMEOUT', `ping: no pong within ${timeoutMs} ms`)), timeoutMs);
      this.client.ping(() => {
        clearTimeout(timer);
        resolve(performance.now() - t0);
      });
    });
  }

  /** Closes the connection. */
  async close(): Promise<void> {
    if (this.isClosed) return;
    // Unsubscribe first: on a persistent link (serial) the server session outlives this client.
    for (const id of Object.keys(this.client._subs)) this.client._subs[id].close();
    const done = this.whenClosed();
    this.conn.close();
    await Promise.race([done, new Promise((r) => setTimeout(r, 500).unref())]);
  }
}

/** Opens the transport an endpoint URL names (no handshake). */
export function dial(url: string): Promise<MessageConn> {
  const ep = parseEndpoint(url);
  switch (ep.scheme) {
    case 'tcp':
      return dialTcp(ep.host, ep.port);
    case 'unix':
      return dialUnix(ep.path);
    case 'ws':
      return dialWs(ep.url);
    case 'serial':
      return dialSerial(ep.path, ep.baud);
  }
}

/**
 * Connects to an AimX endpoint and completes `hello`, within `timeoutMs`.
 *
 * @example
 * const c = await connectAimx('tcp://127.0.0.1:7001', { token: process.env.AIMDB_TOKEN });
 * console.log(await c.listRecords());
 * await c.close();
 */
export async function connectAimx(url: string, options: ConnectOptions = {}): Promise<AimxConnection> {
  const timeoutMs = options.timeoutMs ?? 5000;
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(aimError('TIMEOUT', `${url}: no connection within ${timeoutMs} ms`)), timeoutMs);
  });
  let conn: MessageConn | undefined;
  try {
    conn = await Promise.race([dial(url), timeout]);
    const c = new AimxConnection(conn, url, timeoutMs);
    await Promise.race([c.hello(options.client ?? 'aimdb-js', options.token), timeout]);
    return c;
  } catch (e) {
    conn?.close();
    throw e;
  } finally {
    clearTimeout(timer);
  }
}
