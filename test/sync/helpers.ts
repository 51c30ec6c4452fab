/** Shared pieces of the sync tests: attaching the fixture and running fixture workers with a bound. */
import type { Worker } from 'node:worker_threads';
import { attach, tsWorker, type AttachOptions, type SyncDescriptor, type SyncHandle } from '../../bridge/sync/index.js';
import type { FixtureData } from './fixtures/app.js';

export const FIXTURE = new URL('./fixtures/app.ts', import.meta.url);

/** Attaches the fixture module; log messages go to `logs` when given (else nowhere). */
export function attachFixture(data: FixtureData = { ticks: false }, logs?: string[], extra: Partial<AttachOptions> = {}): SyncHandle {
  return attach(Object.assign({ module: FIXTURE, data, onLog: (r: { message: string }) => void (logs && logs.push(r.message)) }, extra));
}

/** A running fixture worker and the messages it posted. */
export interface Run {
  worker: Worker;
  messages: any[];
  /** Resolves with every message once the worker exits; rejects after `ms`. */
  done: Promise<any[]>;
  /** Resolves with the first message for which `pred` holds. */
  next(pred: (m: any) => boolean): Promise<any>;
}

/** Starts `fixtures/<name>.ts` with a connection from `h.share()` (if `h`) and `args`; terminated after `ms`. */
export function runWorker(name: string, h: SyncHandle | null, args: object, ms = 8000): Run {
  const d: SyncDescriptor | undefined = h ? h.share() : undefined;
  const worker = tsWorker(new URL('./fixtures/' + name + '.ts', import.meta.url), { workerData: Object.assign({ desc: d }, args), transferList: d ? [d.port] : [] });
  const messages: any[] = [];
  const waiters: Array<{ pred: (m: any) => boolean; resolve: (m: any) => void }> = [];
  worker.on('message', (m) => {
    messages.push(m);
    for (let i = waiters.length - 1; i >= 0; i--) if (waiters[i].pred(m)) waiters.splice(i, 1)[0].resolve(m);
  });
  const done = new Promise<any[]>((resolve, reject) => {
    const t = setTimeout(() => {
      void worker.terminate();
      reject(new Error(name + ' worker did not finish within ' + ms + ' ms; messages: ' + JSON.stringify(messages)));
    }, ms);
    worker.on('error', (e) => {
      clearTimeout(t);
      reject(e);
    });
    worker.on('exit', () => {
      clearTimeout(t);
      resolve(messages);
    });
  });
  return {
    worker,
    messages,
    done,
    next(pred) {
      const hit = messages.find(pred);
      if (hit !== undefined) return Promise.resolve(hit);
      return new Promise((resolve) => waiters.push({ pred, resolve }));
    },
  };
}

/** Blocks this thread for `ms` (tests only). */
export function sleepSync(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Lets the event loop turn for `ms`. */
export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
