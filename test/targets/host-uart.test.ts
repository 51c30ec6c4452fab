/**
 * The JerryScript host contract's byte I/O on real ES5 engines: the Pico actuator's bundle, driven by
 * the reference host on duktape and mujs, answers AimX requests that arrive through
 * `aimdbHost.receive` (COBS frames as byte strings) with frames written through `aimdbHost.write`.
 */
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cobsDecode, cobsEncodeText } from '../../core/codec/cobs.js';
import { encodeReq } from '../../core/aimx/frame.js';
import { utf8Decode } from '../../core/bytes.js';
import { DIST, ENGINES, ensureBuilt, REFERENCE_HOST, runOnEngine } from './helpers.js';

function hexOf(binary: string): string {
  return Buffer.from(binary, 'latin1').toString('hex');
}

/** Splits the UART output (hex chunks) into decoded AimX frames. */
function framesOf(lines: string[]): any[] {
  const bytes = Buffer.from(lines.filter((l) => l.startsWith('uart> ')).map((l) => l.slice(6)).join(''), 'hex');
  const frames: any[] = [];
  let start = 0;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] !== 0) continue;
    const decoded = cobsDecode(bytes, start, i);
    if (decoded) frames.push(JSON.parse(utf8Decode(decoded)));
    start = i + 1;
  }
  return frames;
}

describe('JerryScript host contract: UART bytes through aimdbHost (pico-actuator bundle)', function () {
  this.timeout(120_000);
  before(() => ensureBuilt());
  for (const engine of ENGINES) {
    it(`answers AimX over COBS on ${engine}`, () => {
      const bundle = readFileSync(join(DIST, 'pico-actuator.pico.js'), 'utf8');
      const hello = hexOf(cobsEncodeText(encodeReq(1, 'hello', '{"version":"3.0","client":"t"}')));
      const set = hexOf(cobsEncodeText(encodeReq(2, 'record.set', '{"name":"actuator.valve.cmd","value":{"id":9,"open":true}}')));
      const get = hexOf(cobsEncodeText(encodeReq(3, 'record.get', '{"name":"actuator.valve.state"}')));
      // Frames may arrive split anywhere: the second request comes in two pieces.
      const script = `${REFERENCE_HOST}\n${bundle}\n;aimdbHost.tick(0);
hostReceiveHex('${hello}'); aimdbHost.tick(1);
hostReceiveHex('${set.slice(0, 20)}'); aimdbHost.tick(2); hostReceiveHex('${set.slice(20)}'); aimdbHost.tick(3);
hostReceiveHex('${get}'); hostRun(6000);`;
      const r = runOnEngine(engine, script);
      expect(r.stderr).to.equal('');
      expect(r.status).to.equal(0);
      expect(r.lines).to.include('LED2 on');
      const replies = framesOf(r.lines).filter((f) => f.t === 'reply');
      expect(replies.map((f) => f.id)).to.deep.equal([1, 2, 3]);
      expect(replies[0].ok.server).to.equal('aimdb-js-pico');
      expect(replies[2].ok.open).to.equal(true);
      expect(replies[2].ok.cmd).to.equal(9);
    });
  }
});
