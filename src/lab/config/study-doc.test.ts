/** docs/study-file.md is what the schema generates: regenerate with scripts/gen-study-doc.mjs. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { studyDoc } from './study-doc.js';

const root = new URL('../../../../', import.meta.url);

test('docs/study-file.md matches the schema (run node scripts/gen-study-doc.mjs after a build)', () => {
  const example = 'examples/mnist-tricks.yaml';
  const expected = studyDoc({
    name: example,
    text: readFileSync(new URL(example, root), 'utf8'),
  });
  const committed = readFileSync(new URL('docs/study-file.md', root), 'utf8');
  assert.equal(committed, expected);
});

test('the reference lists every measure kind, schedule option and model option', () => {
  const doc = readFileSync(new URL('docs/study-file.md', root), 'utf8');
  for (const text of [
    '`dropout`',
    'training.schedule.cooldown',
    'model.options.widths',
    'data.options.channels',
    '`randomRotation`',
  ])
    assert.ok(doc.includes(text), text);
});
