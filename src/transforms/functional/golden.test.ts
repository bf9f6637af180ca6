import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setWasmKernels } from '../../core/native/wasm-kernels.js';
import { compareImages, type GoldenCase, loadGoldenCases, runGoldenCase } from './golden.js';

const cases = loadGoldenCases();

/** What the issue asks of each op, against torchvision 0.14 on PIL images. */
const CHECKS: Record<string, { tolerance: number; share: number }> = {
  hflip: { tolerance: 0, share: 1 },
  vflip: { tolerance: 0, share: 1 },
  crop: { tolerance: 0, share: 1 },
  centerCrop: { tolerance: 0, share: 1 },
  pad: { tolerance: 0, share: 1 },
  erase: { tolerance: 1e-6, share: 1 },
  toTensor: { tolerance: 1e-6, share: 1 },
  normalize: { tolerance: 1e-6, share: 1 },
  resize: { tolerance: 1, share: 0.99 },
  resizedCrop: { tolerance: 1, share: 0.99 },
  rotate: { tolerance: 1, share: 0.99 },
  gaussianBlur: { tolerance: 1, share: 0.99 },
  adjustBrightness: { tolerance: 1, share: 0.99 },
  adjustContrast: { tolerance: 1, share: 0.99 },
  adjustSaturation: { tolerance: 1, share: 0.99 },
  adjustHue: { tolerance: 1, share: 0.99 },
  rgbToGrayscale: { tolerance: 0, share: 1 },
};

function check(c: GoldenCase): void {
  const rule = CHECKS[c.op];
  assert.ok(rule, `no rule for op ${c.op}`);
  const cmp = compareImages(runGoldenCase(c), c.expected, rule.tolerance);
  assert.ok(cmp.sameShape, `${c.name}: shape differs from torchvision's`);
  assert.ok(
    1 - cmp.offShare >= rule.share,
    `${c.name}: ${(100 * (1 - cmp.offShare)).toFixed(2)}% within ${rule.tolerance} (max diff ${cmp.maxDiff})`,
  );
}

test('the fixtures cover every op and a few real images', () => {
  assert.ok(cases.length >= 180);
  for (const op of Object.keys(CHECKS))
    assert.ok(
      cases.some((c) => c.op === op),
      op,
    );
  for (const input of ['photo', 'digit']) {
    assert.ok(
      cases.some((c) => (input === 'digit' ? c.input.height === 28 : c.input.channels === 3)),
    );
  }
});

for (const op of Object.keys(CHECKS)) {
  test(`${op} matches torchvision`, () => {
    for (const c of cases.filter((x) => x.op === op)) check(c);
  });
}

test('resize and rotation are bit-exact with Pillow, with and without the wasm kernels', () => {
  for (const wasm of [true, false]) {
    setWasmKernels(wasm);
    try {
      for (const c of cases.filter((x) => ['resize', 'resizedCrop', 'rotate'].includes(x.op))) {
        const cmp = compareImages(runGoldenCase(c), c.expected);
        assert.equal(cmp.maxDiff, 0, `${c.name} (wasm ${wasm})`);
      }
    } finally {
      setWasmKernels(true);
    }
  }
});

test('colour adjustments and grey conversion are bit-exact with Pillow', () => {
  for (const c of cases.filter((x) => x.op.startsWith('adjust') || x.op === 'rgbToGrayscale')) {
    assert.equal(compareImages(runGoldenCase(c), c.expected).maxDiff, 0, c.name);
  }
});
