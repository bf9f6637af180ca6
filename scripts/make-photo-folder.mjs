#!/usr/bin/env node
// Writes an image folder like a user's photo collection, from the bundled MNIST digits:
// three class folders (zero, one, seven) of RGB PNG and JPEG files at mixed sizes (each side
// 24-40 px, drawn per image), each digit tinted with its own colours, so a study must read
// them at one size (data.image) and learn shapes, not colours. Seeded: the same folder
// every time.
//
//   node scripts/make-photo-folder.mjs [out-dir] [--per-class N] [--seed S]
//   (default examples/photo-folder, 60 per class, seed 1)
import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import sharp from 'sharp';

const CLASSES = [
  ['zero', 0],
  ['one', 1],
  ['seven', 7],
];

function parse(argv) {
  const options = { out: 'examples/photo-folder', perClass: 60, seed: 1 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--per-class') options.perClass = Number(argv[++i]);
    else if (a === '--seed') options.seed = Number(argv[++i]);
    else if (a.startsWith('-')) throw new Error(`unknown flag ${a}`);
    else options.out = a;
  }
  if (!Number.isInteger(options.perClass) || options.perClass < 1 || options.perClass > 900) {
    throw new Error(`--per-class: expected an integer in [1, 900], got ${options.perClass}`);
  }
  return options;
}

/** mulberry32: small, seeded, the same numbers on every machine. */
function rng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

async function main() {
  const { out, perClass, seed } = parse(process.argv.slice(2));
  const require = createRequire(import.meta.url);
  const random = rng(seed);
  const int = (lo, hi) => lo + Math.floor(random() * (hi - lo + 1));
  rmSync(out, { recursive: true, force: true });
  let written = 0;
  for (const [name, digit] of CLASSES) {
    const file = require.resolve(`mnist/src/digits/${digit}.json`);
    const pixels = JSON.parse(readFileSync(file, 'utf8')).data;
    mkdirSync(join(out, name), { recursive: true });
    for (let k = 0; k < perClass; k++) {
      const v = pixels.slice(k * 784, (k + 1) * 784);
      // Background dark or light at random, ink the opposite, each in a random hue.
      const dark = random() < 0.5;
      const bg = [0, 1, 2].map(() => (dark ? int(0, 90) : int(165, 255)));
      const ink = [0, 1, 2].map(() => (dark ? int(165, 255) : int(0, 90)));
      const rgb = Buffer.alloc(784 * 3);
      for (let p = 0; p < 784; p++) {
        for (let c = 0; c < 3; c++) rgb[3 * p + c] = Math.round(bg[c] * (1 - v[p]) + ink[c] * v[p]);
      }
      const [height, width] = [int(24, 40), int(24, 40)];
      let img = sharp(rgb, { raw: { width: 28, height: 28, channels: 3 } }).resize(width, height, {
        fit: 'fill',
      });
      const jpeg = k % 2 === 1;
      img = jpeg ? img.jpeg({ quality: 92 }) : img.png();
      await img.toFile(
        join(out, name, `${name}-${String(k).padStart(3, '0')}.${jpeg ? 'jpg' : 'png'}`),
      );
      written++;
    }
  }
  console.log(
    `${out}: ${written} images in ${CLASSES.length} class folders (sides 24-40 px, PNG and JPEG)`,
  );
}

main().catch((error) => {
  console.error(`make-photo-folder: ${error.message}`);
  process.exit(2);
});
