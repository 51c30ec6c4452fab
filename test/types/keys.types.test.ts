/**
 * Type tests: these lines must fail to compile (checked by `tsc -p tsconfig.json` in `make test`;
 * an unused @ts-expect-error is itself an error, so a check that stops failing breaks the build).
 */
import { expect } from 'chai';
import { builder, key, keyTable, manualRuntime, ring, type RecordKey } from '../../core/index.js';

interface Temperature {
  celsius: number;
}
interface Humidity {
  percent: number;
}

const Temp = key<Temperature>('t', 'Temperature');
const Hum = key<Humidity>('h', 'Humidity');

describe('typed keys (compile-time)', () => {
  it('rejects producing a value of the wrong type into a key', () => {
    const db = builder(manualRuntime())
      .configure(Temp, (r) => r.buffer(ring(2)))
      .configure(Hum, (r) => r.buffer(ring(2)))
      .build();
    db.set(Temp, { celsius: 20 });
    // @ts-expect-error a Humidity is not a Temperature
    db.set(Temp, { percent: 50 });
    builder(manualRuntime()).configure(Temp, (r) =>
      r.source((_ctx, p) => {
        // @ts-expect-error the source's producer is typed by its key
        p.produce({ percent: 1 });
      }),
    );
    builder(manualRuntime()).configure(Temp, (r) =>
      // @ts-expect-error a transform must output the record's type
      r.transform(Hum, (t) => t.map((h) => ({ percent: h.percent }))),
    );
    // @ts-expect-error keys are invariant: a Humidity key is not a Temperature key
    const k: RecordKey<Temperature> = Hum;
    expect(k.name).to.equal('h');
  });

  it('types every key of a key table by its variant', () => {
    const T = keyTable<{ temp: Temperature; hum: Humidity }>('c.', { temp: {}, hum: {} });
    const db = builder(manualRuntime())
      .configure(T.temp, (r) => r.buffer(ring(2)))
      .build();
    db.set(T.temp, { celsius: 1 });
    // @ts-expect-error wrong value type for T.temp
    db.set(T.temp, { percent: 1 });
    // @ts-expect-error a variant that does not exist
    expect(T.pressure).to.equal(undefined);
  });
});
