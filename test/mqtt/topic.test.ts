import { expect } from 'chai';
import fc from 'fast-check';
import { filterError, topicError, topicMatches } from '../../core/mqtt/topic.js';

/** Reference matcher by levels (MQTT 3.1.1 §4.7), to check the allocation-free one against. */
function reference(filter: string, topic: string): boolean {
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    if (f[i] === '#') return true;
    if (i >= t.length) return false;
    if (f[i] !== '+' && f[i] !== t[i]) return false;
  }
  return f.length === t.length;
}

describe('core/mqtt topic', () => {
  describe('topicMatches', () => {
    const table: Array<[string, string, boolean]> = [
      ['a/b', 'a/b', true],
      ['a/b', 'a/bc', false],
      ['a/b', 'a', false],
      ['a/+', 'a/b', true],
      ['a/+', 'a/b/c', false],
      ['a/+', 'a/', true],
      ['+/+', '/finance', true],
      ['+', 'a/b', false],
      ['a/#', 'a', true],
      ['a/#', 'a/b/c', true],
      ['a/#', 'ab', false],
      ['#', 'a/b', true],
      ['#', '$SYS/x', false],
      ['+/x', '$SYS/x', false],
      ['$SYS/#', '$SYS/x', true],
      ['climate/+/temp', 'climate/zone-a/temp', true],
      ['climate/+/temp', 'climate/zone-a/hum', false],
      ['a/+/#', 'a/b', true],
    ];
    for (const [f, t, want] of table) {
      it(`says ${want} for filter '${f}' and topic '${t}'`, () => expect(topicMatches(f, t)).to.equal(want));
    }
    it('agrees with a level-splitting reference on random filters and topics', () => {
      const level = fc.constantFrom('a', 'b', '', 'ab', '$x');
      const topic = fc.array(level, { minLength: 1, maxLength: 4 }).map((l) => l.join('/')).filter((t) => t.length > 0);
      const filter = fc.array(fc.constantFrom('a', 'b', '', '+', 'ab'), { minLength: 1, maxLength: 4 })
        .chain((l) => fc.boolean().map((hash) => (hash ? [...l, '#'] : l).join('/')))
        .filter((f) => f.length > 0);
      fc.assert(fc.property(filter, topic, (f, t) => {
        expect(topicMatches(f, t), f + ' ~ ' + t).to.equal(reference(f, t));
      }), { numRuns: 2000 });
    });
  });
  describe('filterError', () => {
    it('accepts valid filters and rejects misplaced wildcards', () => {
      expect(['a', 'a/+/b', '#', '+', 'a/#', '+/+'].map(filterError)).to.deep.equal([undefined, undefined, undefined, undefined, undefined, undefined]);
      expect(['', 'a#', 'a/#/b', 'a+', 'a/+b'].map((f) => typeof filterError(f))).to.deep.equal(['string', 'string', 'string', 'string', 'string']);
    });
  });
  describe('topicError', () => {
    it('rejects empty topics and wildcards in topic names', () => {
      expect([topicError('a/b'), typeof topicError(''), typeof topicError('a/+'), typeof topicError('a/#')]).to.deep.equal([undefined, 'string', 'string', 'string']);
    });
  });
});
