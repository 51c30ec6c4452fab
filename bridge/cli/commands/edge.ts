/**
 * `aimdb edge --config edge.yaml`: runs the edge gateway until SIGINT/SIGTERM, then shuts down
 * cleanly (endpoints, twin database, device links, embedded broker). `--check` only validates the
 * configuration (and the environment overrides) and prints it.
 */
import { loadConfig } from '../../gateway/config.js';
import { Gateway } from '../../gateway/gateway.js';
import { CliCommand, UsageError } from '../registry.js';

const USAGE = `Usage: aimdb edge [--config FILE] [--check]
  --config FILE   gateway configuration, YAML or JSON (default: $AIMDB_CONFIG; none: embedded defaults)
  --check         validate the configuration, print it with defaults applied, and exit
Every key can be overridden from the environment: AIMDB_NODE_ID, AIMDB_BROKER__URL,
AIMDB_DEVICES__0__TRANSPORT, AIMDB_DASHBOARD__PORT, ... ('__' separates nested keys).`;

export const command: CliCommand = {
  name: 'edge',
  summary: 'run the edge gateway (devices <-> twins <-> MQTT, remote access, dashboard)',
  usage: USAGE,
  flags: { config: 'string', check: 'boolean' },
  async run(ctx) {
    if (ctx.args.length > 0) throw new UsageError(`unexpected argument '${ctx.args[0]}'`, USAGE);
    const file = (ctx.flags.config as string | undefined) ?? process.env.AIMDB_CONFIG;
    let config;
    try {
      config = loadConfig(file, process.env);
    } catch (e) {
      ctx.err((e as Error).message);
      return 2;
    }
    if (ctx.flags.check) {
      ctx.out(JSON.stringify(config, null, 2));
      return 0;
    }
    // A promise nobody awaited that rejects (a bug, a device that answers nonsense) is logged; it
    // must not end the process: the broker, the other devices and remote clients live here too.
    const onRejection = (e: unknown) => ctx.err(`aimdb edge: unhandled rejection (kept running): ${e instanceof Error ? e.stack ?? e.message : String(e)}`);
    process.on('unhandledRejection', onRejection);
    const gw = new Gateway(config);
    try {
      const ep = await gw.start();
      ctx.out(ctx.json ? JSON.stringify(ep) : `aimdb edge '${config.node_id}' running: mqtt ${ep.mqtt}${ep.aimx.length ? `, aimx ${ep.aimx.join(' ')}` : ''}${ep.dashboard ? `, dashboard ${ep.dashboard}` : ''}`);
    } catch (e) {
      ctx.err(`aimdb edge: cannot start: ${(e as Error).message}`);
      await gw.stop().catch(() => {});
      return 1;
    }
    await new Promise<void>((resolve) => {
      if (ctx.signal.aborted) return resolve();
      ctx.signal.addEventListener('abort', () => resolve(), { once: true });
    });
    ctx.err('aimdb edge: shutting down');
    await gw.stop();
    process.off('unhandledRejection', onRejection);
    return 0;
  },
};
