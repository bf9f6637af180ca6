/**
 * The public surface is reviewed, not accidental: docs/api.md must be what
 * scripts/api-report.mjs generates from the emitted declarations of src/index.ts (run
 * `npm run build && npm run api` after changing an export), every name is reachable by one
 * path only, and the internals stay out.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';

interface Surface {
  markdown: string;
  places: { path: string; place: string }[];
}
const script = new URL('../../scripts/api-report.mjs', import.meta.url).href;
const { apiSurface, API_FILE } = (await import(script)) as {
  apiSurface: () => Surface;
  API_FILE: string;
};
const surface = apiSurface();

test('docs/api.md is the generated reference of the current public surface', () => {
  const committed = readFileSync(API_FILE, 'utf8');
  assert.ok(
    committed === surface.markdown,
    'the public surface changed without docs/api.md: run `npm run build && npm run api` and review the diff',
  );
});

test('src/index.ts exports one namespace per layer and nothing flat', async () => {
  const index = await import('./index.js');
  assert.deepEqual(Object.keys(index).sort(), [
    'core',
    'data',
    'engine',
    'lab',
    'models',
    'preprocessing',
    'report',
    'training',
    'transforms',
  ]);
});

test('no declaration is exported under two names or two namespaces', () => {
  const seen = new Map<string, string>();
  const twice: string[] = [];
  for (const { path, place } of surface.places) {
    const first = seen.get(place);
    if (first !== undefined && first !== path) twice.push(`${first} = ${path}`);
    else seen.set(place, path);
  }
  assert.deepEqual(twice, []);
});

test('internals are not exported', () => {
  const paths = new Set(surface.places.map((p) => p.path.split('.').pop()));
  for (const internal of [
    'WorkerPool',
    'TaskError',
    'WASM_TRAINING_KERNELS',
    'writeAtomically',
    'writeFileAtomically',
    'html',
    'raw',
    'SafeHtml',
    'withSeededRandom',
  ])
    assert.ok(!paths.has(internal), `${internal} is exported`);
});
