#!/usr/bin/env node
// Writes docs/study-file.md from the study schema (run after `npm run build`). A test
// (dist/src/lab/config/study-doc.test.js) fails when the committed file differs.
import { readFileSync, writeFileSync } from 'node:fs';
import { studyDoc } from '../dist/src/lab/config/study-doc.js';

const example = 'examples/mnist-tricks.yaml';
const text = studyDoc({ name: example, text: readFileSync(example, 'utf8') });
writeFileSync('docs/study-file.md', text);
console.log(`docs/study-file.md: ${text.split('\n').length} lines`);
