/**
 * Test and benchmark helpers for reports: a synthetic study written through the Store API
 * (arms x seeds x epochs with plausible curves, results and verdicts), and Chromium for the
 * browser tests. Not exported from the package; the report code itself never writes.
 *
 * @example
 *   const store = await openStore(':memory:');
 *   await syntheticStudy(store, { name: 'big', arms: 20, seeds: 8, epochs: 30 });
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Store, StudyRow } from '../lab/store/store.js';

export interface SyntheticOptions {
  name: string;
  /** Measure arms (the baseline comes on top). */
  arms: number;
  seeds: number;
  epochs: number;
  classes?: number;
  /** Leave this many trials of the last arm unfinished, and the study 'running'. */
  unfinished?: number;
  /** Labels of the measure arms (default `measure <i>`); hostile text welcome. */
  labels?: string[];
  /** Make arm 1 an augmentation arm (its config has training.augment). */
  augment?: boolean;
}

const VERDICTS = ['effective', 'ineffective', 'unstable', 'harmful'] as const;

/** A deterministic pseudo-random number in [0, 1) from integers. */
function noise(...xs: number[]): number {
  let h = 2166136261;
  for (const x of xs) h = Math.imul(h ^ (x + 0x9e3779b9), 16777619) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, 0x5bd1e995) >>> 0;
  return ((h ^ (h >>> 15)) >>> 0) / 4294967296;
}

/**
 * Writes a finished (or partly finished) study and returns its row.
 *
 * @example
 *   const study = await syntheticStudy(store, { name: 's', arms: 3, seeds: 3, epochs: 5 });
 */
export async function syntheticStudy(store: Store, o: SyntheticOptions): Promise<StudyRow> {
  const classes = o.classes ?? 10;
  const config = {
    name: o.name,
    description: `synthetic study: ${o.arms} measures x ${o.seeds} seeds x ${o.epochs} epochs`,
    data: { source: 'mnist', limit: 4000 },
    model: { name: 'small-cnn' },
    training: { epochs: o.epochs, batchSize: 64, optimizer: { name: 'adam', lr: 0.001 } },
    seeds: { minSeeds: Math.min(3, o.seeds), maxSeeds: o.seeds },
    metric: 'test_balanced_accuracy',
    delta: 0.5,
  };
  return store.transaction(async (tx) => {
    const study = await tx.createStudy({
      name: o.name,
      hash: `synthetic-${o.name}`,
      file: `examples/${o.name}.yaml`,
      config,
      environment: { node: process.versions.node, platform: process.platform, backend: 'wasm' },
    });
    const arms = [];
    for (let i = 0; i <= o.arms; i++)
      arms.push(
        await tx.upsertArm({
          studyId: study.id,
          key: i === 0 ? 'baseline' : `m${i}-set`,
          label: i === 0 ? 'baseline' : (o.labels?.[i - 1] ?? `measure ${i}`),
          kind: i === 0 ? 'baseline' : o.augment && i === 1 ? 'augment' : 'set',
          position: i,
          measure: i === 0 ? null : { set: { 'training.batchSize': 32 + i } },
          config:
            o.augment && i === 1
              ? {
                  ...config,
                  training: {
                    ...config.training,
                    augment: { pipeline: [{ randomRotation: 15 }], mode: 'online', copies: 1 },
                  },
                }
              : config,
        }),
      );
    const scores = new Map<string, number>();
    for (const [a, arm] of arms.entries()) {
      const shift = a === 0 ? 0 : (noise(a, 1) - 0.5) * 0.06;
      const decay = a > 0 && a % 5 === 0;
      for (let s = 0; s < o.seeds; s++) {
        const trial = await tx.ensureTrial(arm.id, s);
        const last = a === o.arms && s >= o.seeds - (o.unfinished ?? 0);
        if (last) {
          if (s === o.seeds - 1) await tx.markRunning(trial.id);
          continue;
        }
        await tx.markRunning(trial.id);
        const epochs = Array.from({ length: o.epochs }, (_, e) => {
          const progress = 1 - Math.exp(-(e + 1) / 5);
          const val = Math.min(0.99, 0.5 + 0.42 * progress + shift + (noise(a, s, e) - 0.5) * 0.02);
          return {
            epoch: e,
            lr: decay ? 0.001 * 0.4 ** Math.floor(e / 8) : 0.001,
            trainLoss: 2.3 * Math.exp(-(e + 1) / 6) + 0.05 + noise(a, s, e, 1) * 0.03,
            valLoss: 2.3 * Math.exp(-(e + 1) / 7) + 0.12 + noise(a, s, e, 2) * 0.05,
            valAccuracy: val,
            valBalancedAccuracy: val - 0.01,
            valMacroF1: val - 0.02,
            seconds: 0.8 + a * 0.01 + noise(a, s, e, 3) * 0.1,
          };
        });
        const score = epochs[o.epochs - 1].valBalancedAccuracy + (noise(a, s, 9) - 0.5) * 0.01;
        scores.set(`${a}/${s}`, score);
        const recall = Array.from({ length: classes }, (_, k) =>
          Math.min(1, Math.max(0, score + (noise(a, s, k, 4) - 0.5) * 0.1)),
        );
        const confusion = recall.map((r, t) =>
          Array.from({ length: classes }, (_, p) =>
            p === t ? Math.round(40 * r) : Math.round((40 * (1 - r)) / (classes - 1)),
          ),
        );
        const metrics: Record<string, number> = {
          test_accuracy: score + 0.01,
          test_balanced_accuracy: score,
          test_macro_f1: score - 0.01,
          test_loss: 0.3,
        };
        recall.forEach((r, k) => {
          metrics[`recall_${k}`] = r;
        });
        await tx.finishTrial(trial.id, {
          state: 'done',
          seconds: epochs.reduce((t, e) => t + e.seconds, 0),
          metrics,
          result: {
            parameters: 225034 + (a % 4) * 1000,
            trainableParameters: 225034,
            classCounts: {
              train: Array.from({ length: classes }, (_, k) => (k < classes / 2 ? 270 : 27)),
              validation: Array.from({ length: classes }, (_, k) => (k < classes / 2 ? 60 : 6)),
              test: Array.from({ length: classes }, () => 100),
            },
            confusion,
            recall,
            heads: {},
            bestEpoch: o.epochs - 2,
            outcome: 'completed',
            resumedAt: null,
          },
          error: null,
          epochs,
        });
      }
    }
    if (!o.unfinished) {
      await tx.saveVerdicts(
        study.id,
        arms.slice(1).map((arm, i) => {
          const a = i + 1;
          const diffs = Array.from(
            { length: o.seeds },
            (_, s) => 100 * ((scores.get(`${a}/${s}`) ?? 0) - (scores.get(`0/${s}`) ?? 0)),
          );
          const mean = diffs.reduce((t, d) => t + d, 0) / diffs.length;
          const half = 0.6 + noise(a, 7) * 1.5;
          return {
            studyId: study.id,
            armId: arm.id,
            verdict: VERDICTS[a % VERDICTS.length],
            effect: mean,
            lo: mean - half,
            hi: mean + half,
            n: o.seeds,
            details: {
              metric: 'test_balanced_accuracy',
              cost: {
                timeRatio: 1 + a * 0.01,
                parameters: 225034 + (a % 4) * 1000,
                epochsToBaseline: a % 3 === 0 ? null : 3 + (a % 5),
              },
            },
          };
        }),
      );
    }
    await tx.setStudyState(study.id, o.unfinished ? 'running' : 'done');
    return (await tx.findStudy(o.name))!;
  });
}

export const CHROMIUM = '/usr/bin/chromium';

/** Chromium flags for tests: headless, no sandbox (containers), nothing phoning home. */
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-quic',
];

/** Where browser tests leave screenshots (gitignored). */
export const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));

/**
 * A Chromium context with a new, empty profile. Fails (never skips) with a clear message
 * when Chromium is missing: the browser tests are part of the suite.
 *
 * @example
 *   const browser = await launchChromium();
 *   const page = await browser.context.newPage();
 *   await browser.close();
 */
export async function launchChromium(): Promise<{
  context: import('playwright-core').BrowserContext;
  close: () => Promise<void>;
}> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: the browser tests need it ` +
        '(apt-get install chromium; npm test installs it when missing: scripts/ensure-system-deps.sh)',
    );
  }
  const { chromium } = await import('playwright-core');
  const profile = mkdtempSync(join(tmpdir(), 'tunebook-chromium-'));
  mkdirSync(ARTIFACTS, { recursive: true });
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
