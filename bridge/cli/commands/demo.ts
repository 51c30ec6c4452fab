/**
 * `aimdb demo`: the gateway, an embedded broker and two simulated boards running the real firmware
 * bundles (see bridge/demo/demo.ts). Runs until Ctrl-C, or for `--duration` ms.
 */
import { startDemo } from '../../demo/demo.js';
import { CliCommand, UsageError } from '../registry.js';

const USAGE = `Usage: aimdb demo [--duration MS] [--mqtt-port N] [--aimx-port N] [--ws-port N] [--dashboard-port N]
                  [--mqtt-ws-port N] [--twin-port N]
  --duration MS        stop after MS milliseconds (default: until Ctrl-C)
  --mqtt-port N        embedded broker port (default 1883; 0 picks a free one)
  --aimx-port N        AimX TCP port (default 7350)
  --ws-port N          AimX WebSocket port (default 7351)
  --dashboard-port N   dashboard and /metrics port (default 8080)
  --mqtt-ws-port N     embedded broker's MQTT over WebSocket port (default 9001)
  --twin-port N        browser twin page port (default 8081)
Needs the bundles in dist/ ('make demo' builds them).`;

function port(v: unknown, name: string): number | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 65535) throw new UsageError(`--${name} must be a port number from 0 to 65535`, USAGE);
  return v;
}

/** Which setting moves a port that is in use (`EADDRINUSE … :1883`), or undefined. */
export function busyPortHint(message: string, ports: { mqttPort?: number; aimxPort?: number; wsPort?: number; dashboardPort?: number; mqttWsPort?: number; twinPort?: number }): string | undefined {
  const m = /EADDRINUSE.*:(\d+)/.exec(message);
  if (!m) return undefined;
  const n = Number(m[1]);
  const settings: Array<[number, string, string]> = [
    [ports.mqttPort ?? 1883, 'mqtt-port', 'MQTT_PORT'],
    [ports.aimxPort ?? 7350, 'aimx-port', 'AIMX_PORT'],
    [ports.wsPort ?? 7351, 'ws-port', 'WS_PORT'],
    [ports.dashboardPort ?? 8080, 'dashboard-port', 'DASHBOARD_PORT'],
    [ports.mqttWsPort ?? 9001, 'mqtt-ws-port', 'MQTT_WS_PORT'],
    [ports.twinPort ?? 8081, 'twin-port', 'TWIN_PORT'],
  ];
  const hit = settings.find(([p]) => p === n);
  if (!hit) return `port ${n} is in use by another program`;
  return `port ${n} is in use by another program (a broker such as Debian's mosquitto service?): choose another with --${hit[1]} N, or make demo ${hit[2]}=N (0 picks a free one)`;
}

export const command: CliCommand = {
  name: 'demo',
  summary: 'run the gateway with an embedded broker and simulated boards (real bundles)',
  usage: USAGE,
  flags: { duration: 'number', 'mqtt-port': 'number', 'aimx-port': 'number', 'ws-port': 'number', 'dashboard-port': 'number', 'mqtt-ws-port': 'number', 'twin-port': 'number' },
  async run(ctx) {
    if (ctx.args.length > 0) throw new UsageError(`unexpected argument '${ctx.args[0]}'`, USAGE);
    const duration = ctx.flags.duration as number | undefined;
    if (duration !== undefined && (!(duration > 0) || !Number.isFinite(duration))) throw new UsageError('--duration must be a positive number of milliseconds', USAGE);
    const ports = {
      mqttPort: port(ctx.flags['mqtt-port'], 'mqtt-port'),
      aimxPort: port(ctx.flags['aimx-port'], 'aimx-port'),
      wsPort: port(ctx.flags['ws-port'], 'ws-port'),
      dashboardPort: port(ctx.flags['dashboard-port'], 'dashboard-port'),
      mqttWsPort: port(ctx.flags['mqtt-ws-port'], 'mqtt-ws-port'),
      twinPort: port(ctx.flags['twin-port'], 'twin-port'),
    };
    let demo;
    try {
      demo = await startDemo({ print: (l) => ctx.out(l), ...ports });
    } catch (e) {
      if (e instanceof UsageError) throw e;
      ctx.err(`aimdb demo: ${(e as Error).message}`);
      const busy = busyPortHint((e as Error).message, ports);
      if (busy) ctx.err(busy);
      if (ctx.signal.aborted) ctx.out('stopped');
      return 1;
    }
    await new Promise<void>((resolve) => {
      const t = duration !== undefined ? setTimeout(resolve, duration) : undefined;
      ctx.signal.addEventListener(
        'abort',
        () => {
          if (t) clearTimeout(t);
          resolve();
        },
        { once: true },
      );
      if (ctx.signal.aborted) resolve();
    });
    ctx.out('stopping: boards, gateway, broker');
    await demo.stop();
    ctx.out('stopped');
    return 0;
  },
};
