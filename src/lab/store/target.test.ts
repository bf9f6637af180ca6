import assert from 'node:assert/strict';
import { test } from 'node:test';
import { StoreError } from './errors.js';
import { openStore } from './open.js';
import { isServerTarget, redactTarget } from './target.js';

test('a postgres URL is a server target; its password never shows', () => {
  assert.equal(isServerTarget('postgres://u@h/db'), true);
  assert.equal(isServerTarget('POSTGRESQL://u@h/db'), true);
  assert.equal(isServerTarget('runs/postgres.db'), false);
  assert.equal(redactTarget('postgres://lab:s3cret@db:5432/t'), 'postgres://lab:***@db:5432/t');
  // Unescaped '/' and '@' in the password: still hidden.
  assert.equal(redactTarget('postgresql://lab:a/b@c@db/t?x=1'), 'postgresql://lab:***@db/t?x=1');
  assert.equal(redactTarget('postgres://lab@db/t'), 'postgres://lab@db/t');
  assert.equal(redactTarget('postgres://db/t'), 'postgres://db/t');
  assert.equal(redactTarget('tunebook.db'), 'tunebook.db');
});

test('openStore sends a postgres URL to the PostgreSQL engine, or says it is not installed', async () => {
  try {
    const store = await openStore('postgres://lab:s3cret@127.0.0.1:1/none');
    await store.close();
    assert.fail('a server on port 1 answered');
  } catch (error) {
    // Either the engine is not in this build, or it is and cannot reach port 1: a StoreError
    // either way, with the password hidden.
    assert.ok(error instanceof StoreError || (error as { exitCode?: number }).exitCode === 2);
    assert.ok(!(error as Error).message.includes('s3cret'), (error as Error).message);
  }
});
