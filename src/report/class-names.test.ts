/** Class names stored with trial results reach the report's class charts; old results keep indices. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TrialRow } from '../lab/store/store.js';
import { classCountsSpec, confusionSpec, recallSpec } from './charts/classes.js';
import { classNamesOf } from './class-names.js';

const values = (spec: unknown) =>
  (spec as { data: { values: Record<string, unknown>[] } }).data.values;

test('class charts name classes by the names trials stored, by index without them', () => {
  const trials = [
    { result: { classCounts: {} } },
    { result: { classNames: ['cat', 'dog'] } },
  ] as unknown as TrialRow[];
  const names = classNamesOf(trials)!;
  assert.deepEqual(names, ['cat', 'dog']);
  assert.equal(classNamesOf([{ result: null }] as unknown as TrialRow[]), null);
  const counts = { train: [3, 4], validation: [1, 1], test: [2, 2] };
  assert.deepEqual(
    values(classCountsSpec(counts, names))
      .slice(0, 2)
      .map((v) => v.cls),
    ['cat', 'dog'],
  );
  assert.deepEqual(
    values(classCountsSpec(counts))
      .slice(0, 2)
      .map((v) => v.cls),
    ['0', '1'],
  );
  assert.deepEqual(
    values(recallSpec([{ arm: 'a', recall: [0.5, 1] }], names)).map((v) => v.cls),
    ['cat', 'dog'],
  );
  const cells = values(
    confusionSpec(
      [
        {
          arm: 'a',
          matrix: [
            [1, 0],
            [1, 1],
          ],
        },
      ],
      names,
    ),
  );
  assert.deepEqual(
    cells.map((v) => `${v.truth}>${v.predicted}`),
    ['cat>cat', 'cat>dog', 'dog>cat', 'dog>dog'],
  );
});
