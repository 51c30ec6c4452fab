/**
 * Where the dashboard's device list comes from, and the one shape it shows. The gateway reports a
 * device as `{device, state, since, records, reconnects, error?, server?, node?}` (its status twin
 * `<device>.$status`, bridge/gateway/devices.ts); the dashboard and `/metrics` use
 * {@link DeviceStatus}. Both shapes are accepted everywhere a device list enters.
 */
import { keyMatches } from '../../core/aimx/index.js';
import type { DeviceStatus } from '../metrics/prometheus.js';
import type { AimxDatabase } from '../../core/aimx/index.js';

/**
 * A fixed list, a function called per request, one record whose value is a list, or every record
 * matching an AimX topic pattern whose value is one device (e.g. `{ pattern: '*.$status' }`).
 */
export type DevicesSource = unknown[] | (() => unknown[]) | { record: string } | { pattern: string };

/** The gateway's status value, as far as the dashboard reads it. */
interface GatewayStatus {
  device: string;
  state: string;
  since?: number;
  records?: number;
  reconnects?: number;
  error?: string;
  server?: string;
  node?: string;
  transport?: string;
}

/** One device in the dashboard's shape, or `undefined` when `x` is neither known shape. */
export function normalizeDevice(x: unknown): DeviceStatus | undefined {
  if (!x || typeof x !== 'object') return undefined;
  const o = x as Record<string, unknown>;
  if (typeof o.id === 'string' && typeof o.online === 'boolean') return o as unknown as DeviceStatus;
  if (typeof o.device === 'string' && typeof o.state === 'string') {
    const g = o as unknown as GatewayStatus;
    const d: DeviceStatus = { id: g.device, online: g.state === 'online' };
    if (typeof g.transport === 'string') d.transport = g.transport;
    // `since` is the last state change: while online the device is being heard from now.
    if (typeof g.since === 'number') d.lastSeen = g.state === 'online' ? Date.now() : g.since;
    if (typeof g.records === 'number') d.records = g.records;
    const detail = [g.state !== 'online' ? g.state : '', g.error ?? '', g.node ? 'node ' + g.node : '', g.reconnects ? g.reconnects + ' reconnects' : ''].filter((s) => s !== '');
    if (detail.length > 0) d.detail = detail.join(' · ');
    return d;
  }
  return undefined;
}

function normalizeList(list: unknown): DeviceStatus[] {
  if (!Array.isArray(list)) return [];
  const out: DeviceStatus[] = [];
  for (const x of list) {
    const d = normalizeDevice(x);
    if (d) out.push(d);
  }
  return out;
}

/** Reads the device list now. Never throws: a failing provider shows no devices. */
export function readDevices(db: AimxDatabase, src: DevicesSource | undefined): DeviceStatus[] {
  if (!src) return [];
  try {
    if (Array.isArray(src)) return normalizeList(src);
    if (typeof src === 'function') return normalizeList(src());
    if ('record' in src) {
      const id = db.findRecord(src.record);
      return normalizeList(id >= 0 ? db.latest(id) : undefined);
    }
    const values: unknown[] = [];
    for (const r of db.records()) if (keyMatches(src.pattern, r.key)) values.push(db.latest(r.id));
    return normalizeList(values);
  } catch (e) {
    return [];
  }
}
