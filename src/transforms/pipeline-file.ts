/**
 * Pipeline files: a YAML list of transforms, each a one-key mapping from its name to its
 * parameters, so torchvision's `Compose([...])` translates line by line:
 *
 *   - resize: [256, 256]
 *   - randomCrop: {size: [224, 224], padding: 4}
 *   - randomHorizontalFlip: {}
 *   - randomRotation: 5
 *   - randomApply: {p: 0.3, transforms: [gaussianBlur: 5]}
 *   - toTensor: {}
 *   - normalize: {mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225]}
 *
 * The list may also sit under a top-level `pipeline:` key. torchvision's spellings are
 * accepted too (`RandomCrop`, `kernel_size`). Every mistake is a ConfigError naming the file,
 * the line and the path (`aug.yaml:4: pipeline[3].randomRotation.degreez: unknown parameter`).
 *
 * @example
 *   const pipeline = loadPipeline('aug.yaml');
 *   const same = parsePipeline('- resize: 256\n- toTensor: {}', 'inline');
 */
import { readFileSync } from 'node:fs';
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml';
import { DataError } from '../core/errors.js';
import { Compose, RandomApply } from './compose.js';
import { NESTING, TRANSFORM_NAMES, TRANSFORMS } from './registry.js';
import type { Transform } from './transform.js';
import { closest, configProblem, unknownParameter } from './validate.js';

/** Reads and parses a pipeline file; a missing or unreadable file is a DataError. */
export function loadPipeline(path: string): Compose {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new DataError(
      path,
      code === 'ENOENT' ? 'no such pipeline file' : `cannot read (${code})`,
    );
  }
  return parsePipeline(text, path);
}

/** Parses pipeline YAML; `file` names it in messages. */
export function parsePipeline(text: string, file = 'pipeline'): Compose {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const line = e.pos ? lines.linePos(e.pos[0]).line : 0;
    throw new DataError(
      `${file}${line ? `:${line}` : ''}`,
      `not valid YAML (${e.message.split('\n')[0]})`,
    );
  }
  const at = (node: Node | null | undefined) => {
    const offset = node?.range?.[0];
    return offset === undefined ? file : `${file}:${lines.linePos(offset).line}`;
  };
  let root = doc.contents as Node | null;
  if (isMap(root)) {
    const keys = root.items.map((p) => (isScalar(p.key) ? String(p.key.value) : '?'));
    if (keys.length !== 1 || keys[0] !== 'pipeline') {
      throw configProblem(
        `${at(root)}: ${keys.length === 1 ? keys[0] : '(top level)'}`,
        'expected a list of transforms, or a single `pipeline:` key holding one',
      );
    }
    root = root.items[0].value as Node | null;
  }
  const pipeline = new Compose(buildList(root, 'pipeline', at), file);
  // Kind mistakes (normalize before toTensor) surface now rather than on the first image.
  pipeline.outputKind('uint8');
  return pipeline;
}

type Locate = (node: Node | null | undefined) => string;

function buildList(node: Node | null, path: string, at: Locate): Transform[] {
  if (!isSeq(node)) {
    throw configProblem(
      `${at(node)}: ${path}`,
      'expected a list of transforms (`- resize: 256` ...)',
    );
  }
  return node.items.map((item, i) => buildOne(item as Node, `${path}[${i}]`, at));
}

/** `kernel_size` -> `kernelSize`, `RandomCrop` -> `randomCrop`. */
function camel(name: string): string {
  const c = name.replace(/_([a-z])/g, (_, ch: string) => ch.toUpperCase());
  return c.charAt(0).toLowerCase() + c.slice(1);
}

function buildOne(node: Node, path: string, at: Locate): Transform {
  let rawName: string;
  let value: Node | null;
  if (isScalar(node) && typeof node.value === 'string') {
    rawName = node.value;
    value = null;
  } else if (isMap(node) && node.items.length === 1 && isScalar(node.items[0].key)) {
    rawName = String(node.items[0].key.value);
    value = node.items[0].value as Node | null;
  } else {
    throw configProblem(
      `${at(node)}: ${path}`,
      'expected one transform: a name with its parameters, e.g. `randomCrop: {size: 224}`',
    );
  }
  const name = camel(rawName);
  const field = `${path}.${rawName}`;
  const where = `${at(node)}: ${field}`;
  if (!TRANSFORM_NAMES.includes(name)) {
    const guess = closest(name, TRANSFORM_NAMES);
    throw configProblem(
      where,
      `unknown transform (${guess ? `did you mean ${guess}? ` : ''}known: ${TRANSFORM_NAMES.join(', ')})`,
      rawName,
    );
  }
  if ((NESTING as readonly string[]).includes(name))
    return buildNesting(name, value, field, where, at);
  const entry = TRANSFORMS[name];
  const options = optionsOf(value, entry.shorthand, where);
  return entry.create(options, where);
}

/** The options mapping of a transform, with keys in camelCase; a bare value is its shorthand. */
function optionsOf(
  value: Node | null,
  shorthand: string | null,
  where: string,
): Record<string, unknown> {
  if (value === null || (isScalar(value) && value.value === null)) return {};
  if (isMap(value)) {
    const out: Record<string, unknown> = {};
    for (const pair of value.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
      out[camel(key)] = (pair.value as Node | null)?.toJSON() ?? null;
    }
    return out;
  }
  if (shorthand === null) {
    throw configProblem(where, 'expected a mapping of parameters (`{}` for none)', value.toJSON());
  }
  return { [shorthand]: value.toJSON() };
}

function buildNesting(
  name: string,
  value: Node | null,
  field: string,
  where: string,
  at: Locate,
): Transform {
  if (name === 'compose') {
    const list = isMap(value) ? pairValue(value, 'transforms', where, ['transforms']) : value;
    return new Compose(buildList(list, `${field}.transforms`, at), where);
  }
  if (!isMap(value)) {
    throw configProblem(where, 'expected {p: ..., transforms: [...]}', value?.toJSON());
  }
  const keys = ['transforms', 'p'];
  for (const pair of value.items) {
    const key = camel(isScalar(pair.key) ? String(pair.key.value) : String(pair.key));
    if (!keys.includes(key)) throw unknownParameter(`${where}.${key}`, keys);
  }
  const list = pairValue(value, 'transforms', where, keys);
  const pNode = value.items.find((p) => isScalar(p.key) && p.key.value === 'p');
  const inner = buildList(list, `${field}.transforms`, at);
  const options: { transforms: Transform[]; p?: number } = { transforms: inner };
  if (pNode) options.p = (pNode.value as Node | null)?.toJSON();
  return new RandomApply(options, where);
}

function pairValue(map: Node, key: string, where: string, keys: string[]): Node | null {
  if (!isMap(map)) return null;
  const pair = map.items.find((p) => isScalar(p.key) && camel(String(p.key.value)) === key);
  if (!pair) throw configProblem(`${where}.${key}`, `missing (expected ${keys.join(', ')})`);
  return pair.value as Node | null;
}
