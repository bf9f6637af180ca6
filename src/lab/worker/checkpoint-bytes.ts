/**
 * What a trial's checkpoint file holds, read from its header without loading a tensor: how
 * many epochs it has finished. The file (training/checkpoint.ts: magic, header length, JSON
 * header with the loop's state) carries the epochs so far in `state.history`, so a new
 * attempt that resumes from it continues one attempt's curve, never a mix of two.
 *
 * @example
 *   checkpointEpochs(readFileSync('t.ckpt')); // 3, or null for no usable checkpoint
 */
const MAGIC = 'TBCKPT01';

export function checkpointEpochs(bytes: Uint8Array): number | null {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 12 || buf.subarray(0, 8).toString() !== MAGIC) return null;
  const length = buf.readUInt32LE(8);
  if (12 + length > buf.length) return null;
  try {
    const header = JSON.parse(buf.subarray(12, 12 + length).toString()) as {
      state?: { history?: unknown[] };
    };
    const history = header.state?.history;
    return Array.isArray(history) ? history.length : null;
  } catch {
    return null;
  }
}
