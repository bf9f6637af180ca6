/**
 * The fault suite, on a tiny real study (an MLP on 200 digits, 2 epochs) run as a user runs
 * it: a worker killed by a wasm abort and a trial over its memory budget (other arms as
 * without the faults), SIGTERM mid-study then a resume killed with SIGKILL then an immediate
 * resume (the uninterrupted run's verdicts), a small tmpfs full before the start (refused,
 * exit 3, nothing written) and filling up mid-study (exit 3, no finished trial lost, the same
 * verdicts once there is room), and that db read by `verdicts`
 * from a read-only mount. The last test prints the suite's figures.
 */
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { openStore } from '../lab/store/index.js';
import { runCli, spawnCli } from '../testing/cli.js';
import { mountTmpfs } from '../testing/tmpfs.js';

const dir = mkdtempSync(join(tmpdir(), 'tunebook-faults-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const STUDY = `
name: faulty
data: { source: mnist, limit: 200 }
model: { name: mlp }
training: { epochs: 2, batchSize: 32, optimizer: { name: adam, lr: 0.002 } }
seeds: { minSeeds: 2, maxSeeds: 3 }
measures:
  - classWeights: balanced
  - dropout: { rate: 0.5, where: before-classifier }
  - normalize: standard
`;
const file = join(dir, 'faulty.yaml');
writeFileSync(file, STUDY);

const figures = { faults: 0, lost: 0, compared: 0, equal: 0 };

interface Json {
  state: string;
  arms: { arm: string; verdict: string; effect: number; seeds: number; trials: Trial[] }[];
  failed: { arm: string; seed: number; error: string }[];
}
interface Trial {
  seed: number;
  state: string;
  score: number | null;
  baseline: number | null;
  error?: string;
}

function verdicts(db: string): Json {
  const r = runCli(['verdicts', 'faulty', '--json', '--db', db]);
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout) as Json;
}

const strip = (j: Json, arms?: string[]) =>
  j.arms
    .filter((a) => !arms || arms.includes(a.arm))
    .map(({ arm, verdict, effect, seeds }) => ({ arm, verdict, effect, seeds }));

/** Counts a comparison with the uninterrupted run in the figures, then asserts it. */
function assertSameVerdicts(db: string, arms?: string[]) {
  figures.compared++;
  assert.deepEqual(strip(verdicts(db), arms), strip(reference(), arms));
  figures.equal++;
}

let referenceJson: Json | null = null;
const reference = () => referenceJson ?? assert.fail('the reference run did not finish');

const study = (db: string, ...extra: string[]) =>
  runCli(['study', file, '--db', db, '--workers', '2', ...extra]);

/** Resolves once the child printed `n` "done" lines; the lines so far are in `lines`. */
function doneLines(child: ChildProcess, n: number) {
  const lines: string[] = [];
  const reached = new Promise<void>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      lines.push(
        ...chunk
          .toString()
          .split('\n')
          .filter((l) => l.startsWith('done ')),
      );
      if (lines.length >= n) resolve();
    });
    child.once('exit', () =>
      lines.length >= n ? resolve() : reject(new Error(`exited after ${lines.length} trial(s)`)),
    );
  });
  return { lines, reached };
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });

/** Every trial the run printed as done is done in the db: counts the others as lost. */
async function countLost(db: string, printed: string[]) {
  const trials = await verdictsOrTrials(db);
  for (const line of printed) {
    const [, arm, seed] = /^done\s+(\S+) seed (\d+)/.exec(line)!;
    const t = trials.find((x) => x.arm === arm && x.seed === Number(seed));
    if (t?.state !== 'done') figures.lost++;
  }
}

/** The study's trials from the db, whatever their state (the CLI lists no raw trials). */
async function verdictsOrTrials(
  db: string,
): Promise<{ arm: string; seed: number; state: string }[]> {
  const store = await openStore(db, { readonly: true });
  try {
    const study = (await store.findStudy('faulty'))!;
    return (await store.trials(study.id)).map((t) => ({
      arm: t.armKey,
      seed: t.seed,
      state: t.state,
    }));
  } finally {
    await store.close();
  }
}

/** Everything the child writes to stderr, once it has ended. */
function stderrOf(child: ChildProcess): Promise<string> {
  let text = '';
  child.stderr!.on('data', (c: Buffer) => {
    text += c.toString();
  });
  return new Promise((resolve) => child.stderr!.once('close', () => resolve(text)));
}

test('reference: the study uninterrupted', async () => {
  const r = study(join(dir, 'reference.db'));
  assert.equal(r.code, 0, r.stderr);
  referenceJson = verdicts(join(dir, 'reference.db'));
  assert.equal(referenceJson.state, 'done');
  assert.deepEqual(referenceJson.failed, []);
});

test('a wasm abort and a trial over its memory budget fail only their arm; others as without the faults', async () => {
  const db = join(dir, 'memory.db');
  // One worker: without replacing the aborted worker, every later trial would fail on it.
  const r = runCli(['study', file, '--db', db, '--workers', '1', '--memory', '1500'], {
    TUNEBOOK_INJECT_FAULT: 'abort@m1-classWeights/0,hog@m3-normalize/0',
  });
  figures.faults += 2;
  // Both faulty arms end without a finished trial, so without a verdict: exit 1 names them.
  assert.equal(r.code, 1, r.stderr);
  assert.match(r.stderr, /2 arm\(s\) ended without a finished trial/);
  assert.match(r.stdout, /^failed m1-classWeights seed 0: out of memory \(wasm heap at \d+ MB\)$/m);
  assert.match(
    r.stdout,
    /^failed m3-normalize seed 0: over its memory budget \(\d+ MB used, budget 1500 MB; wasm heap at \d+ MB\)$/m,
  );
  const json = verdicts(db);
  // An arm out of memory gets no more seeds; its failure is in the JSON with its text.
  assert.deepEqual(
    json.failed.map((f) => `${f.arm}/${f.seed}: ${f.error.split(' (')[0]}`),
    ['m1-classWeights/0: out of memory', 'm3-normalize/0: over its memory budget'],
  );
  const m1 = json.arms.find((a) => a.arm === 'm1-classWeights')!;
  assert.deepEqual(
    m1.trials.map((t) => t.state),
    ['failed'],
  );
  assert.match(m1.trials[0].error!, /^out of memory/);
  // The other arm, and the baseline's scores, are those of the run without faults.
  assertSameVerdicts(db, ['m2-dropout']);
  const baseline = (j: Json) =>
    j.arms.find((a) => a.arm === 'm2-dropout')!.trials.map((t) => t.baseline);
  assert.deepEqual(baseline(json), baseline(reference()));
  // Rerun: the memory failures are kept, not retried on the same settings.
  const again = runCli(['study', file, '--db', db, '--workers', '1']);
  assert.equal(again.code, 1, again.stderr);
  assert.doesNotMatch(again.stdout, /resuming/);
  assert.deepEqual(verdicts(db).failed, json.failed);
  // --retry-failed reruns them: without the fault now, the study is the uninterrupted one.
  const retried = study(db, '--retry-failed');
  assert.equal(retried.code, 0, retried.stderr);
  assert.match(retried.stdout, /resuming: 2 unfinished trial\(s\) will run again/);
  assertSameVerdicts(db);
});

test('SIGTERM stops cleanly; a resume killed with SIGKILL; an immediate resume ends as uninterrupted', async () => {
  const db = join(dir, 'signals.db');
  const first = spawnCli(['study', file, '--db', db, '--workers', '2']);
  const a = doneLines(first, 2);
  await a.reached;
  const sent = Date.now();
  first.kill('SIGTERM');
  figures.faults++;
  assert.equal(await exited(first), 143);
  assert.ok(Date.now() - sent < 10_000, `stopped in ${Date.now() - sent} ms`);
  assert.equal(existsSync(`${db}.faulty.lock`), false, 'the lock is removed');
  const states = (await verdictsOrTrials(db)).map((t) => t.state);
  assert.ok(!states.includes('running'), states.join(' '));
  assert.equal(verdicts(db).state, 'interrupted');
  await countLost(db, a.lines);

  const second = spawnCli(['study', file, '--db', db, '--workers', '2']);
  const b = doneLines(second, 1);
  await b.reached;
  second.kill('SIGKILL');
  figures.faults++;
  await exited(second);
  await countLost(db, [...a.lines, ...b.lines]);
  // No wait: the dead process's lock is stale at once.
  const third = study(db);
  assert.equal(third.code, 0, third.stderr);
  assertSameVerdicts(db);
});

test('a tmpfs filling up mid-study: exit 3, one line, nothing lost; the same verdicts once there is room; read from a read-only mount', async (t) => {
  const fs = mountTmpfs(48);
  if (!fs) {
    t.skip('cannot mount a tmpfs here (not root?): disk-full and read-only media not tested');
    return;
  }
  try {
    const db = join(fs.dir, 'full.db');
    // Full before the start: refused once, naming the folder and the space needed; no db made.
    const early = fs.fill();
    figures.faults++;
    const refused = study(db);
    assert.equal(refused.code, 3, refused.stderr);
    assert.match(
      refused.stderr,
      /^tunebook: .*tunebook-tmpfs-\w+: not enough free disk space for the study: \d+ MB free, about \d+ MB needed/,
    );
    assert.equal(refused.stderr.trim().split('\n').length, 1);
    assert.equal(existsSync(db), false);
    rmSync(early);
    const child = spawnCli(['study', file, '--db', db, '--workers', '2']);
    const stderr = stderrOf(child);
    const a = doneLines(child, 2);
    await a.reached;
    const filler = fs.fill();
    figures.faults++;
    const code = await exited(child);
    const message = await stderr;
    assert.equal(code, 3, message);
    assert.match(message, /^tunebook: .*the disk is full.*run the same command to continue\n$/);
    rmSync(filler);
    await countLost(db, a.lines);
    const resumed = study(db);
    assert.equal(resumed.code, 0, resumed.stderr);
    assertSameVerdicts(db);

    fs.readonly();
    figures.faults++;
    figures.compared++;
    assert.deepEqual(strip(verdicts(db)), strip(reference()));
    figures.equal++;
  } finally {
    fs.unmount();
  }
});

test('figures', async () => {
  console.log(
    `fault suite: ${figures.faults} faults injected, ${figures.lost} finished trials lost, ` +
      `verdicts equal in ${figures.equal} of ${figures.compared} comparisons`,
  );
  assert.equal(figures.lost, 0);
  assert.equal(figures.equal, figures.compared);
});
