import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readdir, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import * as tf from '@tensorflow/tfjs-core';
import type * as tfl from '@tensorflow/tfjs-layers';
import { ConfigError, DataError } from '../core/errors.js';
import { initEngine } from '../engine/backend.js';
import { seedWeights } from '../engine/seeded-init.js';
import { loadModel, saveModel } from './model-io.js';
import { buildModel } from './registry.js';
import { snapshot } from './test-helpers.js';

let dir = '';
before(async () => {
  dir = await mkdtemp(join(tmpdir(), 'tunebook-model-io-'));
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

function tinyResnet(seed: number): tfl.LayersModel {
  const model = buildModel({
    name: 'resnet',
    inputShape: [8, 8, 2],
    classes: 3,
    options: { widths: [4, 8], blocksPerStage: 1 },
    multiTask: [{ name: 'aux', classes: 2, weight: 1 }],
  });
  seedWeights(model, seed);
  return model;
}

function assertSameModel(a: tfl.LayersModel, b: tfl.LayersModel): void {
  assert.deepEqual(
    b.layers.map((l) => l.name),
    a.layers.map((l) => l.name),
  );
  assert.deepEqual(b.outputNames, a.outputNames);
  assert.deepEqual(snapshot(b), snapshot(a));
  const x = tf.randomNormal([2, ...(a.inputs[0].shape.slice(1) as number[])], 0, 1, 'float32', 5);
  const [ya, yb] = [a, b].map((m) => (m.predict(x) as tf.Tensor[]).map((t) => t.arraySync()));
  assert.deepEqual(yb, ya);
  x.dispose();
}

test('save -> load round trip keeps topology, weights (batch-norm statistics too), outputs', async () => {
  await initEngine({ backend: 'wasm' });
  const model = tinyResnet(1);
  const folder = join(dir, 'roundtrip');
  await saveModel(model, folder);
  const files = await readdir(folder);
  assert.equal(files.length, 2, files.join(' '));
  assert.ok(files.includes('model.json'));
  const json = JSON.parse(await readFile(join(folder, 'model.json'), 'utf8'));
  assert.equal(json.format, 'layers-model');
  assert.deepEqual(json.weightsManifest[0].paths, [files.find((f) => f.endsWith('.bin'))]);
  for (const source of [folder, join(folder, 'model.json'), pathToFileURL(folder).href]) {
    const loaded = await loadModel(source);
    assertSameModel(model, loaded);
    loaded.dispose();
  }
  model.dispose();
});

test('saving over a model replaces it whole and leaves no stale or temporary files', async () => {
  await initEngine({ backend: 'wasm' });
  const folder = join(dir, 'overwrite');
  const first = tinyResnet(1);
  const second = tinyResnet(2);
  await saveModel(first, folder);
  await saveModel(second, folder);
  const files = await readdir(folder);
  assert.equal(files.length, 2, files.join(' '));
  const loaded = await loadModel(folder);
  assertSameModel(second, loaded);
  // A custom file name in the same folder keeps its own weights.
  await saveModel(first, join(folder, 'other.json'));
  assert.equal((await readdir(folder)).length, 4);
  for (const m of [first, second, loaded]) m.dispose();
});

test('loads from an http(s) URL with fetch', async () => {
  await initEngine({ backend: 'wasm' });
  const folder = join(dir, 'served');
  const model = tinyResnet(3);
  await saveModel(model, folder);
  const server = createServer(async (req, res) => {
    try {
      const body = await readFile(
        join(folder, decodeURIComponent(req.url!.replace('/models/', ''))),
      );
      res.writeHead(200).end(body);
    } catch {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/models/`;
  try {
    for (const url of [`${base}model.json`, base]) {
      const loaded = await loadModel(url);
      assertSameModel(model, loaded);
      loaded.dispose();
    }
    await assert.rejects(loadModel(`${base}missing/model.json`), (error: unknown) => {
      assert.ok(error instanceof DataError);
      assert.equal(error.message, `${base}missing/model.json: HTTP 404 Not Found`);
      return true;
    });
  } finally {
    server.close();
    model.dispose();
  }
});

test('a missing path or a file that is not a tfjs layers model is a DataError naming it', async () => {
  await initEngine({ backend: 'wasm' });
  const bad = join(dir, 'bad');
  await mkdir(bad, { recursive: true });
  const write = async (name: string, text: string) => {
    await writeFile(join(bad, name), text);
    return join(bad, name);
  };
  const saved = join(dir, 'to-break');
  const model = tinyResnet(1);
  await saveModel(model, saved);
  model.dispose();
  const weights = (await readdir(saved)).find((f) => f.endsWith('.bin'))!;
  const cases: [string, string | RegExp][] = [
    [
      join(dir, 'nowhere'),
      `${join(dir, 'nowhere')}: not found (expected a model.json or a folder holding one)`,
    ],
    [bad, `${join(bad, 'model.json')}: not found: the folder holds no tfjs model`],
    [await write('text.json', 'hello'), /text\.json: not a tfjs model: not JSON/],
    [await write('plain.json', '{"a": 1}'), /plain\.json: not a tfjs model: no modelTopology$/],
    [
      await write('graph.json', '{"format": "graph-model", "modelTopology": {"node": []}}'),
      /graph\.json: is a tfjs graph model; a layers model is needed/,
    ],
    [
      await write('odd.json', '{"modelTopology": {"class_name": "NoSuchLayer", "config": {}}}'),
      /odd\.json: not a usable tfjs layers model: /,
    ],
  ];
  for (const [source, message] of cases) {
    await assert.rejects(loadModel(source), (error: unknown) => {
      assert.ok(error instanceof DataError, `${source}: ${error}`);
      assert.equal(error.exitCode, 2);
      if (typeof message === 'string') assert.equal(error.message, message);
      else assert.match(error.message, message);
      return true;
    });
  }
  // Truncated, then missing weights.
  await truncate(join(saved, weights), 100);
  await assert.rejects(
    loadModel(saved),
    /model\.json: its weights files \(.*\.bin\) hold 100 bytes, its weightsManifest needs \d+$/,
  );
  await rm(join(saved, weights));
  await assert.rejects(loadModel(saved), (error: unknown) => {
    assert.ok(error instanceof DataError);
    assert.equal(error.message, `${join(saved, weights)}: not found`);
    return true;
  });
  await assert.rejects(loadModel('indexeddb://m'), ConfigError);
  await assert.rejects(loadModel(''), ConfigError);
});
