/**
 * The notebook's standing across studies: decisive only when every independent study
 * agrees, studies sharing trials counted once (by their largest piece), and the reuse records
 * (the store's reusedFrom column) read into study links.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Rng } from '../core/rng.js';
import { notebookMarkdown } from '../report/notebook-markdown.js';
import { notebookEntries, standingWithReason } from './notebook.js';
import { linksOf, sharedTrials } from './notebook-links.js';
import { openStore } from './store/index.js';
import type { NotebookVerdict } from './store/store.js';
import { smallStudy } from './store/test-helpers.js';

const dropout = { dropout: { rate: 0.5, where: 'head' } };

function verdict(study: string, v: string, n: number, effect = 1): NotebookVerdict {
  return {
    studyId: study.charCodeAt(0),
    armId: 1,
    verdict: v as NotebookVerdict['verdict'],
    effect,
    lo: effect - 1,
    hi: effect + 1,
    n,
    details: {},
    computedAt: '2026-12-03',
    studyName: study,
    armKey: 'm1-dropout',
    armLabel: 'dropout',
    kind: 'dropout',
    measure: dropout,
    studyConfig: { data: { source: 'mnist' }, model: { name: 'mlp' } },
  };
}

test('a standing is decisive only when every independent study agrees', () => {
  assert.deepEqual(standingWithReason(['effective']), {
    standing: 'effective',
    reason: 'effective in its one study',
  });
  assert.equal(
    standingWithReason(['harmful', 'harmful']).reason,
    'harmful in all 2 independent studies',
  );
  // One harmful study and one unsettled one: no longer "harmful" (that was a union of tests).
  assert.deepEqual(standingWithReason(['harmful', 'unstable']), {
    standing: 'unstable',
    reason: 'unsettled: 1 harmful, 1 unstable across 2 independent studies',
  });
  assert.match(
    standingWithReason(['effective', 'harmful']).reason,
    /^mixed: 1 effective, 1 harmful/,
  );
  assert.match(standingWithReason(['ineffective', 'effective']).reason, /^mixed/);
});

test('under no effect, a false decisive standing is no likelier than one study’s false verdict', () => {
  // Each study of a measure with no effect ends effective or harmful 2.5% of the time each
  // (the rule's 5%); ten thousand notebooks of 1-6 studies each.
  const rng = new Rng(11);
  const draw = () => {
    const u = rng.uniform();
    return u < 0.025 ? 'effective' : u < 0.05 ? 'harmful' : 'unstable';
  };
  let decisive = 0;
  let oldRule = 0;
  const notebooks = 10000;
  for (let i = 0; i < notebooks; i++) {
    const verdicts = Array.from({ length: 1 + (i % 6) }, draw);
    const s = standingWithReason(verdicts).standing;
    if (s === 'effective' || s === 'harmful') decisive++;
    // The old standing: harmful as soon as one study said harmful and none effective.
    if (verdicts.includes('harmful') && !verdicts.includes('effective')) oldRule++;
  }
  assert.ok(decisive / notebooks <= 0.05 + 0.005, `${decisive / notebooks}`);
  assert.ok(oldRule / notebooks > 0.06, 'the union rule it replaces overclaims');
});

test('studies that share trials count once, by their largest piece of evidence', () => {
  const verdicts = [
    verdict('A', 'effective', 8),
    verdict('B', 'effective', 6),
    verdict('C', 'unstable', 8, 0),
  ];
  // Independent: three studies, one unsettled.
  const apart = notebookEntries(verdicts, [])[0];
  assert.equal(apart.independent, 3);
  assert.equal(apart.standing, 'unstable');
  // B reused A's trials (A's seeds 0-5 are B's): they are one piece of evidence, A's.
  const linked = notebookEntries(verdicts.slice(0, 2), [], [['B', 'A']])[0];
  assert.equal(linked.independent, 1);
  assert.equal(linked.reason, 'effective in its one study');
  assert.deepEqual(
    linked.evidence.map((e) => [e.study, e.counted, e.sharesWith]),
    [
      ['A', true, ['B']],
      ['B', false, ['A']],
    ],
  );
  // The Markdown notebook says why, and which piece did not count.
  const md = notebookMarkdown([linked]);
  assert.match(md, /### dropout head\n\n_Standing: effective in its one study\._/);
  assert.match(md, /study `B` .* 6 seeds \(shares trials with A: not counted again\)/);
  // Groups are transitive: C shares with B, B with A.
  const chain = notebookEntries(
    verdicts,
    [],
    [
      ['B', 'A'],
      ['C', 'B'],
    ],
  )[0];
  assert.equal(chain.independent, 1);
  assert.deepEqual(chain.evidence.find((e) => e.study === 'C')?.sharesWith, ['A', 'B']);
});

test('links from reuse records: each reusing study paired once with the original’s study', () => {
  const links = linksOf([
    { id: 1, study: 'A', result: null },
    { id: 2, study: 'B', result: null, reusedFrom: 1 },
    { id: 3, study: 'B', result: null, reusedFrom: 1 },
    { id: 9, study: 'A.calibration', result: null },
    { id: 4, study: 'C', result: null, reusedFrom: 9 },
    { id: 5, study: 'D', result: null, reusedFrom: 5 },
  ]);
  assert.deepEqual(links, [
    ['B', 'A'],
    ['C', 'A.calibration'],
  ]);
});

test('sharedTrials reads the reuse records of every stored study', async () => {
  const store = await openStore(':memory:');
  try {
    const trialOf = async (name: string, reusing?: number) => {
      const { baseline } = await smallStudy(store, name);
      const t = await store.ensureTrial(baseline.id, 0);
      if (reusing !== undefined) await store.reuseTrial(t.id, reusing);
      else
        await store.finishTrial(t.id, {
          state: 'done',
          seconds: 1,
          metrics: {},
          result: null,
          error: null,
          epochs: [],
        });
      return t.id;
    };
    const original = await trialOf('s.calibration');
    await trialOf('s', original);
    await trialOf('t');
    assert.deepEqual(await sharedTrials(store), [['s', 's.calibration']]);
  } finally {
    await store.close();
  }
});
