/** `pretrain` saves a loadable backbone; `lr-find` sweeps, suggests a rate and writes a PNG. */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { runCli } from '../../testing/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'tunebook-lr-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const run = runCli;

test('pretrain on digits 0-4 saves a backbone a study can use', () => {
  const task = join(dir, 'task.yaml');
  writeFileSync(
    task,
    'name: d04\ndata: { source: mnist, classes: [0, 1, 2, 3, 4], limit: 400 }\nmodel: { name: small-cnn }\ntraining: { epochs: 1, batchSize: 32, optimizer: { name: adam, lr: 0.002 } }\n',
  );
  const out = join(dir, 'backbone');
  const r = run(['pretrain', task, '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /test accuracy \d+\.\d+%; saved to/);
  const json = JSON.parse(readFileSync(join(out, 'model.json'), 'utf8'));
  assert.ok(json.modelTopology && json.weightsManifest);
  const study = join(dir, 'transfer.yaml');
  writeFileSync(
    study,
    `name: transfer\ndata: { source: mnist, classes: [5, 6, 7, 8, 9], limit: 300 }\nmodel: { name: small-cnn }\ntraining: { epochs: 1, batchSize: 32 }\nmeasures:\n  - pretrained: { source: backbone, freeze: frozen }\n`,
  );
  assert.equal(run(['validate', study]).code, 0);
  const missing = run(['pretrain', task]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--out <dir> is required/);
});

test('lr-find sweeps the rate, suggests one and writes the plot', () => {
  const study = join(dir, 'lr.yaml');
  writeFileSync(
    study,
    'name: lr\ndata: { source: mnist, limit: 300 }\nmodel: { name: small-cnn }\ntraining: { epochs: 1, batchSize: 32, optimizer: { name: adam } }\nmeasures:\n  - classWeights: balanced\n',
  );
  const png = join(dir, 'lr.png');
  const r = run(['lr-find', study, '--out', png, '--steps', '40']);
  assert.equal(r.code, 0, r.stderr);
  const rate = Number(/suggested learning rate (\S+)/.exec(r.stdout)?.[1]);
  assert.ok(rate > 1e-7 && rate < 10, r.stdout);
  assert.ok(existsSync(png));
  assert.deepEqual(
    [...readFileSync(png).subarray(1, 4)].map((c) => String.fromCharCode(c)).join(''),
    'PNG',
  );
  assert.equal(run(['lr-find', study, '--min', '1', '--max', '0.1']).code, 2);
});
