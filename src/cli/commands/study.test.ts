/**
 * The study command end to end, in child processes as a user runs it: verdicts, resume after
 * kill -9 with the verdicts of an uninterrupted run, Ctrl-C, a changed study reusing its trials, and bad
 * input leaving the db untouched.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli, spawnCli } from '../../testing/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tunebook-study-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const STUDY = `
name: tiny
data: { source: mnist, limit: 300 }
model: { name: small-cnn }
training: { epochs: 2, batchSize: 32, optimizer: { name: adam, lr: 0.002 } }
seeds: { minSeeds: 2, maxSeeds: 3 }
measures:
  - classWeights: balanced
  - dropout: { rate: 0.5, where: before-classifier }
`;
const file = join(dir, 'tiny.yaml');
writeFileSync(file, STUDY);

const run = runCli;

function verdictJson(db: string) {
  const r = run(['verdicts', 'tiny', '--json', '--db', db]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as {
    state: string;
    arms: { arm: string; verdict: string; effect: number; trials: unknown[] }[];
  };
}

const hashOf = (path: string) => createHash('sha256').update(readFileSync(path)).digest('hex');

test('a study runs, prints its verdict table, and verdicts --json has one object per arm', () => {
  const db = join(dir, 'a.db');
  const r = run(['study', file, '--db', db, '--workers', '2']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /measure\s+effect \(pts\)\s+95% CI\s+seeds\s+verdict/);
  // Baseline, two measures and the negative control at up to 3 seeds.
  assert.match(r.stdout, /adaptive seeds: \d+ trials instead of 12/);
  assert.match(r.stdout, /^control \(baseline at seeds 1000\+\): .* over 3 seeds, /m);
  // The default rule cannot decide at 5% from 3 seeds, and says so; then the family figure.
  assert.match(r.stdout, /intervals: no verdict can be decisive with at most 3 seeds/);
  assert.match(r.stdout, /family: 2 measures at 5% each: .* 10% of the time \(0\.10 expected\)/);
  // The stored study's table says the same about its intervals.
  const table = run(['verdicts', 'tiny', '--db', db]);
  assert.equal(table.code, 0, table.stderr);
  assert.match(table.stdout, /intervals: no verdict can be decisive with at most 3 seeds/);
  const json = verdictJson(db);
  assert.equal(json.state, 'done');
  assert.deepEqual(
    json.arms.map((a) => a.arm),
    ['m1-classWeights', 'm2-dropout'],
  );
  // The control is apart from the measures, with the warnings a decisive control raises.
  const full = JSON.parse(run(['verdicts', 'tiny', '--json', '--db', db]).stdout);
  assert.equal(full.control.arm, 'control');
  assert.ok(Array.isArray(full.warnings));
  for (const arm of json.arms) {
    assert.ok(['effective', 'unstable', 'ineffective', 'harmful'].includes(arm.verdict));
    assert.ok(arm.trials.length >= 2);
  }
  // Running it again finds everything done and prints the same verdicts.
  const again = run(['study', file, '--db', db]);
  assert.equal(again.code, 0, again.stderr);
  assert.deepEqual(verdictJson(db).arms, json.arms);
});

function startStudy(db: string): ChildProcess {
  return spawnCli(['study', file, '--db', db, '--workers', '2']);
}

function waitForTrials(child: ChildProcess, n: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let seen = 0;
    child.stdout!.on('data', (chunk: Buffer) => {
      seen += (chunk.toString().match(/^done /gm) ?? []).length;
      if (seen >= n) resolve();
    });
    child.on('exit', () => reject(new Error(`the study exited after ${seen} trial(s)`)));
  });
}

test('killed with kill -9 mid-run, the study resumes and ends with the verdicts of an uninterrupted run', async () => {
  const reference = join(dir, 'a.db');
  const db = join(dir, 'killed.db');
  const child = startStudy(db);
  await waitForTrials(child, 3);
  child.kill('SIGKILL');
  await new Promise((r) => child.once('exit', r));
  // The killed run's lock is stale (its process is gone) and is taken over; whatever was
  // running when it died runs again.
  const resumed = run(['study', file, '--db', db, '--workers', '2']);
  assert.equal(resumed.code, 0, resumed.stderr);
  const strip = (j: ReturnType<typeof verdictJson>) =>
    j.arms.map(({ arm, verdict, effect }) => ({ arm, verdict, effect }));
  assert.deepEqual(strip(verdictJson(db)), strip(verdictJson(reference)));
});

test('Ctrl-C stops cleanly, keeping finished trials; the same command continues', async () => {
  const db = join(dir, 'interrupted.db');
  const child = startStudy(db);
  await waitForTrials(child, 1);
  child.kill('SIGINT');
  const code = await new Promise((r) => child.once('exit', (c) => r(c)));
  assert.equal(code, 130);
  const partial = verdictJson(db);
  assert.equal(partial.state, 'interrupted');
  const resumed = run(['study', file, '--db', db]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(verdictJson(db).state, 'done');
});

test('a second run of a study that is still running is refused', async () => {
  const db = join(dir, 'twice.db');
  const child = startStudy(db);
  await waitForTrials(child, 1);
  const second = run(['study', file, '--db', db]);
  assert.equal(second.code, 2);
  assert.match(second.stderr, /study "tiny" is already running in process \d+/);
  child.kill('SIGINT');
  await new Promise((r) => child.once('exit', r));
});

test('a changed study under the same name says what changed and reuses what still holds', () => {
  // A copy of the first test's db, so the tests after this one see it unchanged.
  const db = join(dir, 'edited.db');
  for (const suffix of ['', '-wal'])
    if (existsSync(join(dir, `a.db${suffix}`)))
      copyFileSync(join(dir, `a.db${suffix}`), `${db}${suffix}`);
  const changed = join(dir, 'changed.yaml');
  // A relabelled measure trains the same settings: every stored trial is kept.
  writeFileSync(
    changed,
    STUDY.replace('- classWeights: balanced', '- { label: weights, classWeights: balanced }'),
  );
  const r = run(['study', changed, '--db', db]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(
    r.stdout,
    /changed: arms relabelled or moved \(kept\): "classWeights balanced" -> "weights"/,
  );
  assert.match(r.stdout, /reused \d+ trials, 0 h \d+ min saved; 0 to run/);
});

test('bad input: exit 2, one line naming the problem, the db unchanged', () => {
  const db = join(dir, 'a.db');
  const before = hashOf(db);
  const write = (name: string, text: string) => {
    const p = join(dir, name);
    writeFileSync(p, text);
    return p;
  };
  const cases: [string[], RegExp][] = [
    [['study', write('bad.yaml', 'name: [unclosed\n')], /invalid YAML/],
    [
      [
        'study',
        write('unknown.yaml', STUDY.replace('- classWeights: balanced', '- frobnicate: 1')),
      ],
      /measures\[0\]/,
    ],
    [
      ['study', write('rate.yaml', STUDY.replace('rate: 0.5', 'rate: 1.5'))],
      /measures\[1\]\.dropout\.rate: expected a number in \[0, 1\), got 1\.5/,
    ],
    [['study', join(dir, 'missing.yaml'), '--db', db], /missing\.yaml: no such file/],
    [
      [
        'validate',
        write(
          'nodata.yaml',
          STUDY.replace('source: mnist', `source: ${join(dir, 'no-such-folder')}`),
        ),
      ],
      /ok/,
    ],
    [['verdicts', 'nope', '--db', db], /no study "nope"/],
    [
      ['study', file, '--db', write('foreign.db', 'not a database at all')],
      /not a tunebook database|not a SQLite/i,
    ],
  ];
  for (const [args, pattern] of cases) {
    const r = run(args.includes('--db') || args[0] === 'validate' ? args : [...args, '--db', db]);
    if (args[0] === 'validate') {
      // Validation runs the study's preflight: a missing folder is refused by both alike.
      assert.equal(r.code, 2, r.stderr);
      assert.match(r.stderr, /no-such-folder: no such file or folder/);
      const s = run(['study', args[1], '--db', join(dir, 'nodata.db')]);
      assert.equal(s.code, 2, s.stderr);
      assert.match(s.stderr, /no-such-folder: no such file or folder/);
      continue;
    }
    assert.equal(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, pattern);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  }
  assert.equal(hashOf(db), before);
  assert.equal(readFileSync(join(dir, 'foreign.db'), 'utf8'), 'not a database at all');
});

test('notes and the notebook: verdicts per measure across studies, in JSON and Markdown', () => {
  const db = join(dir, 'a.db');
  const note = run([
    'note',
    'dropout before-classifier',
    'before the classifier it hurt on small data <b>',
    '--study',
    'tiny',
    '--db',
    db,
  ]);
  assert.equal(note.code, 0, note.stderr);
  assert.match(note.stdout, /noted on dropout/);
  assert.equal(run(['note', 'frobnicate', 'x', '--db', db]).code, 2);
  const json = run(['notebook', '--json', '--db', db]);
  assert.equal(json.code, 0, json.stderr);
  const entries = JSON.parse(json.stdout) as {
    measure: string;
    standing: string;
    evidence: { study: string }[];
    notes: { text: string }[];
  }[];
  assert.deepEqual(
    entries.map((e) => e.measure),
    ['classWeights balanced', 'dropout before-classifier'],
  );
  const dropout = entries.find((e) => e.measure === 'dropout before-classifier')!;
  assert.equal(dropout.evidence[0].study, 'tiny');
  assert.equal(dropout.notes[0].text, 'before the classifier it hurt on small data <b>');
  const md = run(['notebook', '--markdown', '--db', db]);
  assert.equal(md.code, 0, md.stderr);
  for (const section of [
    '## Effective measures',
    '## Unstable measures',
    '## Basically ineffective measures',
    '## Harmful measures',
  ]) {
    assert.ok(md.stdout.includes(section), section);
  }
  assert.match(
    md.stdout,
    /### dropout before-classifier[\s\S]*study `tiny`[\s\S]*Note \(\d{4}-\d\d-\d\d\): before the classifier/,
  );
  const table = run(['notebook', '--db', db]);
  assert.match(table.stdout, /measure\s+standing\s+studies\s+evidence/);
  assert.equal(run(['notebook', '--db', join(dir, 'none.db')]).code, 2);
});
