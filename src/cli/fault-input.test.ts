/**
 * Faults that are bad input, in process: each a one-line error with exit code 2, never
 * "internal error": an empty --db, a damaged verdict row, a YAML alias bomb, and a head that
 * cannot fit in memory (the issue's `extraDense: [65536, 65536]`, refused by validate and by
 * study before anything is written).
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import Database from 'better-sqlite3';
import { openStore } from '../lab/store/index.js';
import { runInProcess } from '../testing/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tunebook-fault-input-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const write = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

const oneLine = (r: { code: number | null; stderr: string }, code: number, pattern: RegExp) => {
  assert.equal(r.code, code, r.stderr);
  assert.match(r.stderr, pattern);
  assert.equal(r.stderr.split('\n').length, 1, r.stderr);
  assert.doesNotMatch(r.stderr, /internal error/);
};

test('--db "" is a usage error naming the flag', async () => {
  oneLine(
    await runInProcess(['verdicts', 'x', '--db', '']),
    2,
    /^--db: expected a database file path or a postgres:\/\/ URL, got ""$/,
  );
  oneLine(await runInProcess(['note', 'dropout', 'x', '--db', '']), 2, /^--db: /);
});

test('a damaged verdict row is a named error, exit 2', async () => {
  const db = join(dir, 'damaged.db');
  const store = await openStore(db);
  const study = await store.createStudy({
    name: 's',
    hash: 'h',
    file: 'f',
    config: {},
    environment: null,
  });
  const arm = await store.upsertArm({
    studyId: study.id,
    key: 'm1',
    label: 'm1',
    kind: 'k',
    position: 1,
    measure: null,
    config: {},
  });
  await store.saveVerdicts(study.id, [
    {
      studyId: study.id,
      armId: arm.id,
      verdict: 'unstable',
      effect: 0,
      lo: -1,
      hi: 1,
      n: 1,
      details: {},
    },
  ]);
  await store.close();
  const raw = new Database(db);
  raw.prepare('UPDATE verdicts SET details = ?').run('{"cost": {');
  raw.close();
  oneLine(
    await runInProcess(['verdicts', 's', '--db', db]),
    2,
    /damaged\.db: damaged JSON in verdicts\.details of arm id \d+ \(/,
  );
});

test('a YAML alias bomb is a named error, exit 2', async () => {
  const lines = ['a: &a [x, x, x, x, x, x, x, x, x]'];
  const keys = 'abcdefghi';
  for (let i = 1; i < keys.length; i++)
    lines.push(
      `${keys[i]}: &${keys[i]} [${Array(9)
        .fill(`*${keys[i - 1]}`)
        .join(', ')}]`,
    );
  const bomb = write('bomb.yaml', `${lines.join('\n')}\nname: *i\n`);
  oneLine(await runInProcess(['validate', bomb]), 2, /bomb\.yaml: invalid YAML: /);
});

test('extraDense [65536, 65536] is refused by validate and by study before any write', async () => {
  const file = write(
    'huge.yaml',
    `name: huge
data: { source: mnist, limit: 200 }
model: { name: mlp }
training: { epochs: 1 }
seeds: { minSeeds: 2, maxSeeds: 3 }
measures:
  - extraDense: [65536, 65536]
`,
  );
  oneLine(
    await runInProcess(['validate', file, '--backend', 'wasm']),
    2,
    /huge\.yaml: arm m1-extraDense: does not fit the wasm backend's 4 GB heap \(4,\d{3},\d{3},\d{3} parameters/,
  );
  const db = join(dir, 'huge.db');
  oneLine(
    await runInProcess(['study', file, '--db', db, '--backend', 'tensorflow', '--memory', '8000']),
    2,
    /arm m1-extraDense: needs more memory than a trial's share/,
  );
  assert.equal(existsSync(db), false);
});
