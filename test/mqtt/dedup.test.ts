/**
 * At most once for QoS 1 commands: a redelivery after a lost PUBACK (DUP=1, same packet id, topic and
 * payload) is acknowledged but not delivered again. Regression for the fault harness's flaky-link
 * scenario, where a command was executed twice.
 */
import { expect } from 'chai';
import { DupFilter, fnv1a } from '../../core/mqtt/index.js';

describe('core/mqtt DupFilter', () => {
  it('drops a DUP redelivery of a message already delivered', () => {
    const f = new DupFilter(4);
    expect(f.isDuplicate(7, 'a/cmd', '{"open":true}', false)).to.equal(false);
    expect(f.isDuplicate(7, 'a/cmd', '{"open":true}', true)).to.equal(true);
    expect(f.duplicates).to.equal(1);
  });

  it('delivers a new message that reuses a packet id, and a DUP that was never delivered', () => {
    const f = new DupFilter(4);
    expect(f.isDuplicate(7, 'a/cmd', 'one', false)).to.equal(false);
    expect(f.isDuplicate(7, 'a/cmd', 'two', false)).to.equal(false);
    expect(f.isDuplicate(7, 'a/cmd', 'two', true)).to.equal(true);
    expect(f.isDuplicate(9, 'a/cmd', 'three', true)).to.equal(false);
    expect(f.isDuplicate(9, 'b/cmd', 'three', true)).to.equal(false);
  });

  it('drops a redelivery without DUP on a resumed connection (aedes resends without the flag)', () => {
    const f = new DupFilter(4);
    expect(f.isDuplicate(5, 'a/cmd', 'open', false)).to.equal(false);
    f.resumed();
    expect(f.isDuplicate(5, 'a/cmd', 'open', false)).to.equal(true);
    // Within one connection, a reused id without DUP is a new message.
    expect(f.isDuplicate(5, 'a/cmd', 'open', false)).to.equal(false);
  });

  it('forgets beyond its window and on reset', () => {
    const f = new DupFilter(2);
    f.isDuplicate(1, 't', 'x', false);
    f.isDuplicate(2, 't', 'y', false);
    f.isDuplicate(3, 't', 'z', false);
    expect(f.isDuplicate(1, 't', 'x', true)).to.equal(false);
    f.reset();
    expect(f.isDuplicate(3, 't', 'z', true)).to.equal(false);
  });

  it('hashes strings and bytes alike', () => {
    expect(fnv1a('abc')).to.equal(fnv1a(Uint8Array.from([97, 98, 99])));
    expect(fnv1a('abc')).to.equal(0x1a47e90b);
  });
});
