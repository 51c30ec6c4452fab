import { expect } from 'chai';
import { isKeyPattern, keyMatches } from '../../core/aimx/index.js';

describe('aimx/topic', () => {
  describe('keyMatches', () => {
    // [pattern, topic, matches]
    const table: Array<[string, string, boolean]> = [
      ['a.b.c', 'a.b.c', true],
      ['a.b.c', 'a.b.d', false],
      ['a.b', 'a.b.c', false],
      ['#', 'anything.goes.here', true],
      ['#', 'a', true],
      ['sensors.#', 'sensors.temperature.vienna', true],
      ['sensors.#', 'sensors', true],
      ['sensors.#', 'commands.setpoint', false],
      ['sensors.#', 'sensors_extra.temp', false],
      ['sensors.temperature.*', 'sensors.temperature.vienna', true],
      ['sensors.temperature.*', 'sensors.humidity.vienna', false],
      ['sensors.temperature.*', 'sensors.temperature.a.b', false],
      ['temp.*', 'temp', false],
      ['temp.*', 'temp.vienna', true],
      ['*', 'temp', true],
      ['*', 'temp.vienna', false],
      ['*.vienna', 'temp.vienna', true],
      ['*.*', 'a.b', true],
      ['*.*', 'a', false],
      ['a.*.c.#', 'a.b.c.d.e.f', true],
      ['a.*.c.#', 'a.b.c', true],
      ['a.*.c.#', 'a.b.x.d', false],
      ['a.#.c', 'a.c', true],
      ['a.#.c', 'a.x.y.c', true],
      ['a.#.c', 'a.x.y.d', false],
      ['#.c', 'c', true],
      ['#.c', 'a.b.c', true],
      ['#.c', 'a.b.d', false],
      ['a.#.#', 'a', true],
      ['sensors.#', 'sensors/temp/vienna', false],
      ['sensors/temp', 'sensors/temp', true],
      ['a.*', 'a.', true],
    ];
    table.forEach(([pattern, topic, want]) => {
      it(`${want ? 'matches' : 'does not match'} '${topic}' with '${pattern}'`, () => {
        expect(keyMatches(pattern, topic)).to.equal(want);
      });
    });
  });
  describe('isKeyPattern', () => {
    it('is true only for patterns with * or #', () => {
      expect(isKeyPattern('#')).to.equal(true);
      expect(isKeyPattern('a.*.c')).to.equal(true);
      expect(isKeyPattern('temp.vienna')).to.equal(false);
      expect(isKeyPattern('sensors/temp')).to.equal(false);
    });
  });
});
