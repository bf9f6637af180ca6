/** `data.image` and `data.skipUnreadable` in a study file: checked like every other setting. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseStudy } from './load.js';

const study = (data: string) => `name: s
data: ${data}
model: { name: small-cnn }
training: { epochs: 1 }
measures: [{ dropout: { rate: 0.5, where: before-classifier } }]
`;

test('data.image: size, resize and channels are checked and unknown keys named', () => {
  const ok = parseStudy(
    study(
      '{ source: mnist, image: { size: [32, 24], resize: pad, channels: 3 }, skipUnreadable: true }',
    ),
  );
  assert.deepEqual(ok.config.data.image, { size: [32, 24], resize: 'pad', channels: 3 });
  assert.equal(ok.config.data.skipUnreadable, true);
  const cases: [string, string][] = [
    ['{ source: mnist, image: { chanels: 1 } }', 's.yaml: data.image.chanels: unknown setting'],
    [
      '{ source: mnist, image: { size: [32, 32], resize: squash } }',
      's.yaml: data.image.resize: expected one of shorter, exact, pad, got "squash"',
    ],
    [
      '{ source: mnist, image: { size: [0, 32] } }',
      's.yaml: data.image.size[0]: expected an integer in [1, 4096], got 0',
    ],
    [
      '{ source: mnist, image: { channels: 2 } }',
      's.yaml: data.image.channels: expected 1 or 3, got 2',
    ],
    [
      '{ source: mnist, skipUnreadable: yes please }',
      's.yaml: data.skipUnreadable: expected true or false, got "yes please"',
    ],
  ];
  for (const [data, message] of cases) {
    assert.throws(() => parseStudy(study(data), 's.yaml'), { message });
  }
  // A study without the new keys keeps its hash: nothing is defaulted into it.
  const plain = parseStudy(study('{ source: mnist }'));
  assert.equal('image' in plain.config.data, false);
});
