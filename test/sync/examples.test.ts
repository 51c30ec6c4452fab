/** The sync examples run as programs (`node --import tsx …`) and print exactly this. */
import { expect } from 'chai';
import { execFile } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

function run(file: string): Promise<string[]> {
  return new Promise((res, rej) => {
    execFile(process.execPath, ['--import', 'tsx', file], { cwd: ROOT, encoding: 'utf8', timeout: 20000 }, (err, stdout, stderr) => {
      if (err) rej(new Error(file + ' failed: ' + String(err) + '\n' + stderr));
      else res(stdout.trim().split('\n'));
    });
  });
}

describe('sync examples as programs', function () {
  this.timeout(30000);

  it('sync-api-demo: producer and consumer threads, GET_TIMEOUT at the end, clean detach', async () => {
    expect(await run('examples/sync-api-demo/main.ts')).to.deep.equal([
      'attached: demo.reading (spmc_ring/8), demo.average (single_latest/1), demo.command (mailbox/1)',
      'producer: set 10 readings',
      'consumer: got #1 #2 #3 #4 #5 #6 #7 #8 #9 #10 (missed 0), then GET_TIMEOUT',
      'main: average of 10 readings = 22.75 C',
      'main: command taken once: calibrate, again: nothing',
      'main: get after detach: RUNTIME_SHUTDOWN',
      'engine log (10 lines): tap: reading #1 20.5 C ... tap: reading #10 25.0 C',
    ]);
  });

  it('hello-ring/sync.ts: the fast consumer sees all ten, the slow one missed 6', async () => {
    const out = await run('examples/hello-ring/sync.ts');
    expect(out.slice(0, 3)).to.deep.equal(['fast: #1 20.1 C', 'fast: #2 20.2 C', 'fast: #3 20.3 C']);
    expect(out.slice(10)).to.deep.equal(['slow: lagged, missed 6', 'slow: #7', 'slow: #8', 'slow: #9', 'slow: #10', 'metrics: produced=10 consumed=14 dropped=6']);
  });

  it('hello-single-latest/sync.ts: burst collapsed, late reader gets the current value once', async () => {
    expect(await run('examples/hello-single-latest/sync.ts')).to.deep.equal([
      'watcher: sampleMs=250 label=c',
      'late reader: sampleMs=250',
      'watcher: GET_TIMEOUT (nothing newer)',
      'watcher: sampleMs=100 label=d',
      'late reader: sampleMs=100',
    ]);
  });

  it('hello-mailbox/sync.ts: one consumer per command, overwritten commands counted (same counts as the async example)', async () => {
    expect(await run('examples/hello-mailbox/sync.ts')).to.deep.equal([
      'worker 1: #1 open',
      'worker 2: #2 close',
      'worker 1: #3 open',
      'worker 2: #6 close',
      'worker 1: GET_TIMEOUT',
      'metrics: produced=6 consumed=4 dropped=2',
    ]);
  });
});
