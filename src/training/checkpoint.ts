/**
 * Per-epoch checkpoints, so a killed trial resumes from its last finished epoch with the
 * same numbers it would have had: model weights, optimiser slots (Adam moments, iteration
 * count), the best weights kept for early stopping, and the loop's own state (history,
 * schedule state, patience counter). One file, written to a temporary name and renamed, so
 * a kill mid-write leaves the previous checkpoint intact. A checkpoint records a key of the
 * run's settings and is ignored when they changed.
 *
 * File layout: 8-byte magic, uint32 header length, JSON header, then float32/int32 data.
 *
 * @example
 *   await saveCheckpoint(file, { key, state, groups: { model: model.getWeights() } });
 *   const cp = await loadCheckpoint(file, key); // null when absent or for other settings
 */
import { mkdir, readFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { writeFileAtomically } from '../core/atomic-file.js';
import { DataError } from '../core/errors.js';

const MAGIC = 'TBCKPT01';

export interface CheckpointContent<State> {
  /** Identifies the settings the run was made with. */
  key: string;
  state: State;
  /** Named lists of tensors (model weights, optimiser slots, best weights). */
  groups: Record<string, { name?: string; tensor: tf.Tensor }[]>;
}

export interface LoadedCheckpoint<State> {
  key: string;
  state: State;
  groups: Record<string, { name?: string; tensor: tf.Tensor }[]>;
}

interface Entry {
  group: string;
  name?: string;
  shape: number[];
  dtype: 'float32' | 'int32';
  offset: number;
  length: number;
}

export async function saveCheckpoint<State>(
  file: string,
  content: CheckpointContent<State>,
): Promise<void> {
  const entries: Entry[] = [];
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [group, list] of Object.entries(content.groups)) {
    for (const { name, tensor } of list) {
      const dtype = tensor.dtype === 'int32' ? 'int32' : 'float32';
      const values = (await tensor.data()) as Float32Array | Int32Array;
      const typed = dtype === 'int32' ? Int32Array.from(values) : Float32Array.from(values);
      const bytes = new Uint8Array(typed.buffer, typed.byteOffset, typed.byteLength);
      entries.push({ group, name, shape: tensor.shape, dtype, offset, length: bytes.byteLength });
      chunks.push(bytes);
      offset += bytes.byteLength;
    }
  }
  const header = Buffer.from(JSON.stringify({ key: content.key, state: content.state, entries }));
  const length = Buffer.alloc(4);
  length.writeUInt32LE(header.length);
  await mkdir(dirname(file), { recursive: true });
  writeFileAtomically(file, Buffer.concat([Buffer.from(MAGIC), length, header, ...chunks]));
}

/** Reads a checkpoint; null when there is none or it belongs to other settings. */
export async function loadCheckpoint<State>(
  file: string,
  key: string,
): Promise<LoadedCheckpoint<State> | null> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
    throw new DataError(file, `cannot read the checkpoint (${(error as Error).message})`);
  }
  if (bytes.length < 12 || bytes.subarray(0, 8).toString() !== MAGIC) {
    throw new DataError(file, 'not a tunebook checkpoint');
  }
  const headerLength = bytes.readUInt32LE(8);
  let header: { key: string; state: State; entries: Entry[] };
  try {
    header = JSON.parse(bytes.subarray(12, 12 + headerLength).toString());
  } catch {
    throw new DataError(file, 'checkpoint header is corrupt');
  }
  if (header.key !== key) return null;
  const data = bytes.subarray(12 + headerLength);
  const groups: LoadedCheckpoint<State>['groups'] = {};
  for (const e of header.entries) {
    if (e.offset + e.length > data.length)
      throw new DataError(file, 'checkpoint data is truncated');
    const slice = data.subarray(e.offset, e.offset + e.length);
    const copy = new Uint8Array(slice).buffer;
    const values = e.dtype === 'int32' ? new Int32Array(copy) : new Float32Array(copy);
    const list = groups[e.group] ?? [];
    list.push({ name: e.name, tensor: tf.tensor(values, e.shape, e.dtype) });
    groups[e.group] = list;
  }
  return { key: header.key, state: header.state, groups };
}

/** Disposes every tensor of a loaded checkpoint. */
export function disposeCheckpoint(cp: LoadedCheckpoint<unknown>): void {
  for (const list of Object.values(cp.groups)) for (const { tensor } of list) tensor.dispose();
}
