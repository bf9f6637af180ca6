import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { ConfigError, DataError } from '../core/errors.js';
import { readFixture } from './golden.test-helper.js';
import { MinMaxScaler } from './minmax-scaler.js';
import { type SampleMatrix, scaleSplits } from './scaler.js';
import { loadScaler, saveScaler, scalerFromJSON } from './scaler-file.js';
import { StandardScaler } from './standard-scaler.js';

interface ScalerFixture {
  train: number[][];
  test: number[][];
  standard: { mean: number[]; scale: number[]; train: number[][]; test: number[][] };
  minmax: { dataMin: number[]; dataMax: number[]; train: number[][]; test: number[][] };
  minmaxSymmetric: { train: number[][]; test: number[][] };
  images: {
    shape: [number, number, number];
    train: number[][];
    test: number[][];
    standardChannel: number[][];
    standardGlobal: number[][];
    minmaxChannel: number[][];
  };
}

const fx = readFixture<ScalerFixture>('scalers.json');

function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  tol: number,
  label: string,
) {
  assert.equal(actual.length, expected.length, `${label}: length`);
  for (let i = 0; i < expected.length; i++) {
    const d = Math.abs(actual[i] - expected[i]);
    assert.ok(d <= tol, `${label}[${i}]: ${actual[i]} vs ${expected[i]} (off by ${d})`);
  }
}

function assertRowsClose(actual: number[][], expected: number[][], tol: number, label: string) {
  assert.equal(actual.length, expected.length, `${label}: rows`);
  for (const [i, row] of actual.entries()) assertClose(row, expected[i], tol, `${label}[${i}]`);
}

const matrix = (rows: number[][], kind: 'f32' | 'f64' = 'f64'): SampleMatrix => ({
  data: kind === 'f32' ? Float32Array.from(rows.flat()) : Float64Array.from(rows.flat()),
  count: rows.length,
});

test('StandardScaler matches scikit-learn (constant feature included) within 1e-6', () => {
  const scaler = new StandardScaler().fit(fx.train);
  assertClose(scaler.mean!, fx.standard.mean, 1e-9, 'mean');
  assertClose(scaler.scale!, fx.standard.scale, 1e-9, 'scale');
  assert.equal(scaler.scale![5], 1, 'a constant feature gets scale 1');
  assertRowsClose(scaler.transform(fx.train), fx.standard.train, 1e-6, 'train');
  assertRowsClose(scaler.transform(fx.test), fx.standard.test, 1e-6, 'test');
  const m = scaler.transform(matrix(fx.test));
  assert.ok(m.data instanceof Float64Array);
  assertClose(m.data, fx.standard.test.flat(), 1e-6, 'matrix test');
});

test('MinMaxScaler matches scikit-learn for [0, 1] and [-1, 1] within 1e-6', () => {
  const scaler = new MinMaxScaler().fit(matrix(fx.train));
  assertClose(scaler.dataMin!, fx.minmax.dataMin, 0, 'dataMin');
  assertClose(scaler.dataMax!, fx.minmax.dataMax, 0, 'dataMax');
  assertRowsClose(scaler.transform(fx.train), fx.minmax.train, 1e-6, 'train');
  assertRowsClose(scaler.transform(fx.test), fx.minmax.test, 1e-6, 'test');
  const sym = new MinMaxScaler({ featureRange: [-1, 1] }).fit(fx.train);
  assertRowsClose(sym.transform(fx.train), fx.minmaxSymmetric.train, 1e-6, 'sym train');
  assertRowsClose(sym.transform(fx.test), fx.minmaxSymmetric.test, 1e-6, 'sym test');
});

test('per channel and global statistics on HWC samples match scikit-learn on reshaped data', () => {
  const { images } = fx;
  const channels = images.shape[2];
  const train = matrix(images.train, 'f32');
  const test = matrix(images.test, 'f32');
  const perChannel = new StandardScaler({ axis: 'channel', channels }).fit(train);
  const out = perChannel.transform(test);
  assert.ok(out.data instanceof Float32Array, 'float32 in, float32 out');
  // The float32 input rounds the values, so compare at float32 precision (relative 1e-6).
  assertClose(out.data, images.standardChannel.flat(), 1e-5, 'standard channel');
  const global = new StandardScaler({ axis: 'global' }).fit(matrix(images.train));
  assertClose(
    global.transform(matrix(images.test)).data,
    images.standardGlobal.flat(),
    1e-6,
    'global',
  );
  const mm = new MinMaxScaler({ axis: 'channel', channels }).fit(matrix(images.train));
  assertClose(mm.transform(matrix(images.test)).data, images.minmaxChannel.flat(), 1e-6, 'mm');
  assert.equal(perChannel.mean!.length, channels);
});

test('inverseTransform undoes transform', () => {
  for (const scaler of [new StandardScaler(), new MinMaxScaler({ featureRange: [-2, 3] })]) {
    scaler.fit(fx.train);
    assertRowsClose(
      scaler.inverseTransform(scaler.transform(fx.test)),
      fx.test,
      1e-9,
      scaler.constructor.name,
    );
  }
});

test('statistics come from the training split only', () => {
  const train = [[0], [2], [4]];
  const test = [[100], [104]];
  const scaler = new StandardScaler();
  const scaled = scaleSplits(scaler, { train, test });
  assert.equal(scaler.mean![0], 2);
  assertClose(scaled.train.flat(), [-1.224744871391589, 0, 1.224744871391589], 1e-12, 'train');
  // The test split is scaled by the training statistics, so it is not centred on 0.
  assertClose(scaled.test.flat(), [98 / Math.sqrt(8 / 3), 102 / Math.sqrt(8 / 3)], 1e-9, 'test');
  assert.ok(!('validation' in scaled));
  // Transforming other splits leaves the fitted statistics alone.
  scaler.transform([[1e6]]);
  assert.equal(scaler.mean![0], 2);
});

test('a constant feature or channel gives no NaN, and maps to 0 (standard) or lo (min-max)', () => {
  const rows = [
    [0.1, 5],
    [0.1, 5],
    [0.1, 5],
  ];
  const std = new StandardScaler().fit(rows);
  assert.deepEqual(Array.from(std.scale!), [1, 1]);
  for (const v of std.transform(rows).flat()) assert.ok(Math.abs(v) < 1e-12, String(v));
  const mm = new MinMaxScaler({ featureRange: [-1, 1] }).fit(rows);
  assert.deepEqual(mm.transform(rows).flat(), [-1, -1, -1, -1, -1, -1]);
  // Unseen values move with scale 1 times the range width: (x - min) * (hi - lo) + lo.
  assertClose(mm.transform([[1.1, 6]])[0], [1, 1], 1e-12, 'unseen');
});

test('JSON round trip restores an identical scaler, also through a file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tunebook-scaler-'));
  try {
    const scalers = [
      new StandardScaler({ axis: 'channel', channels: 3 }).fit(matrix(fx.images.train)),
      new StandardScaler({ withMean: false }).fit(fx.train),
      new MinMaxScaler({ featureRange: [-1, 1] }).fit(fx.train),
      new MinMaxScaler({ axis: 'global' }).fit(fx.train),
    ];
    for (const [k, scaler] of scalers.entries()) {
      const json = JSON.parse(JSON.stringify(scaler.toJSON()));
      const again = scalerFromJSON(json);
      assert.equal(again.constructor, scaler.constructor);
      assert.deepEqual(again.toJSON(), scaler.toJSON());
      const file = join(dir, `run-${k}`, 'scaler.json');
      saveScaler(file, scaler);
      const loaded = loadScaler(file);
      const x = scaler.axis === 'channel' ? matrix(fx.images.test) : matrix(fx.test);
      assert.deepEqual(loaded.transform(x).data, scaler.transform(x).data);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('NaN or infinity in the data to fit is a DataError naming the sample and feature', () => {
  const rows = [
    [1, 2, 3],
    [4, Number.NaN, 6],
  ];
  for (const scaler of [new StandardScaler(), new MinMaxScaler()]) {
    assert.throws(
      () => scaler.fit(rows),
      (e: unknown) =>
        e instanceof DataError &&
        e.exitCode === 2 &&
        e.message ===
          `${scaler.constructor.name}.fit: sample 1, feature 1: expected a finite number, got NaN`,
    );
  }
  const data = new Float32Array(12);
  data[10] = Number.POSITIVE_INFINITY;
  assert.throws(
    () => new StandardScaler({ axis: 'channel', channels: 2 }).fit({ data, count: 3 }),
    /StandardScaler.fit: sample 2, feature 2: expected a finite number, got Infinity/,
  );
  assert.throws(
    // biome-ignore lint/suspicious/noExplicitAny: text in a numeric column on purpose
    () => new StandardScaler().fit([[1], ['x' as any]]),
    /sample 1, feature 0: expected a finite number, got "x"/,
  );
});

test('bad options, shapes and saved files are errors naming the field and value', () => {
  assert.throws(
    // biome-ignore lint/suspicious/noExplicitAny: an invalid axis on purpose
    () => new StandardScaler({ axis: 'row' as any }),
    (e: unknown) =>
      e instanceof ConfigError &&
      e.message === 'StandardScaler: axis: expected one of feature, channel, global, got "row"',
  );
  assert.throws(
    () => new StandardScaler({ axis: 'channel' }),
    /channels: expected a positive integer/,
  );
  assert.throws(
    () => new MinMaxScaler({ featureRange: [1, 1] }),
    /MinMaxScaler: featureRange: expected \[lo, hi\], finite, lo < hi, got \[1,1\]/,
  );
  assert.throws(
    () => new StandardScaler().transform([[1]]),
    /StandardScaler.transform: expected a fitted scaler/,
  );
  const fitted = new StandardScaler().fit([[1, 2]]);
  assert.throws(
    () => fitted.transform([[1, 2, 3]]),
    /StandardScaler.transform: expected samples of 2 values, as in fit, got 3/,
  );
  assert.throws(
    () => fitted.fit([[1, 2], [3]]),
    /sample 1: expected 2 values like sample 0, got \[3\]/,
  );
  assert.throws(
    () =>
      new StandardScaler({ axis: 'channel', channels: 4 }).fit({
        data: new Float32Array(6),
        count: 1,
      }),
    /channels: expected a divisor of the sample size 6, got 4/,
  );
  assert.throws(
    () => scalerFromJSON({ type: 'robust-scaler' }),
    /scalerFromJSON: type: expected one of standard-scaler, minmax-scaler, got "robust-scaler"/,
  );
  const json = { ...fitted.toJSON(), scale: [1, -2] };
  assert.throws(
    () => scalerFromJSON(json),
    /StandardScaler.fromJSON: scale\[1\]: expected a number > 0, got -2/,
  );
  assert.throws(() => scalerFromJSON({ ...fitted.toJSON(), version: 2 }), /version: expected 1/);

  const dir = mkdtempSync(join(tmpdir(), 'tunebook-scaler-'));
  try {
    const missing = join(dir, 'none.json');
    assert.throws(
      () => loadScaler(missing),
      (e: unknown) => e instanceof DataError && e.message === `${missing}: no such file`,
    );
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{"type": "standard-scaler", ');
    assert.throws(() => loadScaler(broken), new RegExp(`${broken}: not valid JSON`));
    const edited = join(dir, 'edited.json');
    writeFileSync(edited, JSON.stringify({ ...fitted.toJSON(), mean: [0, null] }));
    assert.throws(
      () => loadScaler(edited),
      new RegExp(
        `${edited}: StandardScaler.fromJSON: mean\\[1\\]: expected a finite number, got null`,
      ),
    );
    assert.ok(readFileSync(edited, 'utf8').length > 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
