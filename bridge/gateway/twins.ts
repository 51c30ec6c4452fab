/**
 * The twin plan: which records the gateway's database holds for its devices, and how each is linked.
 * No per-record gateway code: a device's records come from its `record.list` (or the config).
 *
 * For a device `pico` and its record `actuator.position` (prefix `aimdb`):
 * - state twin `pico.actuator.position`, same buffer kind: `linkFrom device://pico/actuator.position`
 *   (AimX devices) or `linkFrom mqtt://<topic>` (boards that speak MQTT), and
 *   `linkTo mqtt://aimdb/pico/actuator/position` with the buffer's wire policy;
 * - for a writable record, a command twin `pico.actuator.position.set` (Mailbox), writable over AimX:
 *   commands published on `aimdb/pico/actuator/position/set` (AimX devices) or written remotely go
 *   down to the device;
 * - a status twin `pico.$status` (SingleLatest, retained on `aimdb/pico/status`).
 */
import {
  builder,
  mailbox,
  ring,
  singleLatest,
  utf8Decode,
  type BufferConfig,
  type Connector,
  type Database,
  type Payload,
  type RecordKey,
  type RuntimeAdapter,
} from '../../core/index.js';
import { valueMismatch, type DeclaredRecord, type DeviceConfig, type EdgeConfig } from './config.js';
import { STATUS_KEY, type DeviceSession, type RemoteRecord } from './devices.js';

/** Minimum ring capacity of a twin: the gateway has RAM to spare, the MCU does not. */
export const MIN_TWIN_RING = 64;

/** Largest command (JSON bytes) sent to a device: an MCU's frame buffer is a few hundred bytes. */
export const MAX_COMMAND_BYTES = 1024;

/**
 * Why a command for `deviceKey` of a device must not be sent (too large, or not of the shape the
 * device's config declares for it), or `undefined`.
 */
export function commandProblem(dev: DeviceConfig | undefined, deviceKey: string, value: unknown): string | undefined {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch {
    return 'not serializable';
  }
  if (json === undefined) return 'not a JSON value';
  if (json.length > MAX_COMMAND_BYTES) return `${json.length} bytes; a command is at most ${MAX_COMMAND_BYTES}`;
  const schemas = dev?.schemas;
  const schema = schemas && Object.prototype.hasOwnProperty.call(schemas, deviceKey) ? schemas[deviceKey] : undefined;
  return schema ? valueMismatch(schema, value) : undefined;
}

/** One twin in the plan. */
export interface TwinPlan {
  /** Twin key in the gateway database. */
  key: string;
  device: string;
  /** The device's own key (`$status` for the status twin). */
  deviceKey: string;
  role: 'state' | 'command' | 'status';
  buffer: BufferConfig;
  /** Inbound link URLs. */
  from: string[];
  /** Outbound link URL. */
  to?: string;
  /** Remote clients may write it. */
  writable: boolean;
}

function bufferOf(r: { buffer: RemoteRecord['buffer']; capacity: number }): BufferConfig {
  if (r.buffer === 'spmc_ring') return ring(Math.max(r.capacity, MIN_TWIN_RING));
  return r.buffer === 'mailbox' ? mailbox() : singleLatest();
}

/** MQTT topic of a device record: dots of the key become topic levels. */
export function deviceTopic(prefix: string, device: string, key: string): string {
  return `${prefix}/${device}/${key.split('.').join('/')}`;
}

/** Decodes a JSON payload from MQTT (bytes or string). Throws a SyntaxError when invalid: the inbound route catches it and counts a decode error. */
export function jsonPayload(p: Payload): unknown {
  const text = typeof p === 'string' ? p : utf8Decode(p);
  return JSON.parse(text);
}

/**
 * Plans the twins of every device. `sessions` gives the AimX devices' discovered records; declared
 * records (config) are used when a device was never reached or for MQTT devices.
 */
export function planTwins(config: EdgeConfig, sessions: Map<string, DeviceSession>, log?: (level: 'warn', msg: string) => void): TwinPlan[] {
  const plan: TwinPlan[] = [];
  const p = config.prefix;
  for (const dev of config.devices) {
    const name = dev.name;
    const session = sessions.get(name);
    const rows: Array<RemoteRecord & { topic?: string; command_topic?: string }> | null =
      session?.records ?? (Array.isArray(dev.records) ? (dev.records as DeclaredRecord[]) : null);
    if (dev.transport) {
      plan.push({ key: `${name}.${STATUS_KEY}`, device: name, deviceKey: STATUS_KEY, role: 'status', buffer: singleLatest(), from: [`device://${name}/${STATUS_KEY}`], to: `mqtt://${p}/${name}/status`, writable: false });
    }
    const seen = new Set<string>();
    for (const r of rows ?? []) {
      // Discovery already refused bad rows; a twin key is still never planned twice.
      if (seen.has(r.key)) {
        log?.('warn', `device '${name}': record '${r.key}' listed twice; mirroring the first`);
        continue;
      }
      seen.add(r.key);
      const base = r.topic ?? deviceTopic(p, dev.mqtt ? dev.mqtt.node : name, r.key);
      const twinKey = `${name}.${r.key}`;
      if (dev.transport) {
        if (r.buffer !== 'mailbox') plan.push({ key: twinKey, device: name, deviceKey: r.key, role: 'state', buffer: bufferOf(r), from: [`device://${name}/${r.key}`], to: `mqtt://${deviceTopic(p, name, r.key)}`, writable: false });
        if (r.writable) plan.push({ key: `${twinKey}.set`, device: name, deviceKey: r.key, role: 'command', buffer: mailbox(), from: [`mqtt://${deviceTopic(p, name, r.key)}/set`], to: `device://${name}/${r.key}`, writable: true });
      } else {
        // A board that speaks MQTT publishes its values and subscribes to its commands itself.
        if (r.buffer !== 'mailbox') plan.push({ key: twinKey, device: name, deviceKey: r.key, role: 'state', buffer: bufferOf(r), from: [`mqtt://${base}`], writable: false });
        if (r.writable) plan.push({ key: `${twinKey}.set`, device: name, deviceKey: r.key, role: 'command', buffer: mailbox(), from: [], to: `mqtt://${r.command_topic ?? base + '/set'}`, writable: true });
      }
    }
  }
  return plan;
}

/**
 * Builds the gateway database from a plan. Values cross links as JSON on MQTT, as-is on AimX. A
 * command from MQTT that `check` refuses is dropped (counted as a deserialization failure, logged).
 */
export function buildTwinDatabase(
  rt: RuntimeAdapter,
  nodeId: string,
  plan: TwinPlan[],
  connectors: Connector[],
  check?: (t: TwinPlan, value: unknown) => string | undefined,
): Database {
  const b = builder(rt).nodeId(nodeId);
  for (const c of connectors) b.withConnector(c);
  for (const t of plan) {
    const k: RecordKey<unknown> = { name: t.key, type: `twin:${t.role}` };
    b.configure(k, (reg) => {
      reg.buffer(t.buffer);
      if (t.writable) reg.remote({ writable: true });
      for (const url of t.from) {
        if (url.startsWith('device://')) reg.linkFrom(url).withDeserializer((_ctx, v) => v as unknown).finish();
        else if (t.role === 'command' && check) {
          reg
            .linkFrom(url)
            .withDeserializer((_ctx, v) => {
              const value = jsonPayload(v);
              const problem = check(t, value);
              if (problem) throw new Error(`command refused: ${problem}`);
              return value;
            })
            .finish();
        } else reg.linkFrom(url).withDeserializer((_ctx, v) => jsonPayload(v)).finish();
      }
      // The device connector sends the value itself; the JSON text is what MQTT carries.
      if (t.to) reg.linkTo(t.to).withSerializer((_ctx, v) => JSON.stringify(v)).finish();
    });
  }
  return b.build();
}
