/**
 * The ResNet a torchvision/timm state_dict describes, read from its tensor names and shapes,
 * and the tensors that architecture must hold: checked without TensorFlow.js, so a study's
 * preflight rejects a wrong or damaged weights file before any trial (exit 2).
 *
 * @example
 *   const arch = inferResnetArch(sd, 'resnet18.pth'); // { block: 'basic', layers: [2, 2, 2, 2], ... }
 *   checkStateDict(sd, arch, 'resnet18.pth');
 */
import { DataError } from '../../core/errors.js';
import type { StateDict } from './state-dict.js';

export interface ResnetArch {
  block: 'basic' | 'bottleneck';
  /** Blocks per stage (torchvision: 4 stages). */
  layers: number[];
  /** Output channels of conv1. */
  stem: number;
  /** Per stage: the inner width (conv1 of each block) and the block's output channels. */
  inner: number[];
  outer: number[];
  /** fc's output size, or null for a headless state_dict. */
  classes: number | null;
  /** Input channels conv1 was trained on. */
  inChannels: number;
}

/** The standard depths, to name a state_dict's architecture in messages. */
const NAMED: Record<string, { block: ResnetArch['block']; layers: number[] }> = {
  resnet18: { block: 'basic', layers: [2, 2, 2, 2] },
  resnet34: { block: 'basic', layers: [3, 4, 6, 3] },
  resnet50: { block: 'bottleneck', layers: [3, 4, 6, 3] },
  resnet101: { block: 'bottleneck', layers: [3, 4, 23, 3] },
  resnet152: { block: 'bottleneck', layers: [3, 8, 36, 3] },
};
export const RESNET_ARCHS = Object.keys(NAMED);

/** 'resnet18', ... or a description such as 'resnet (basic, 1-1-1-1)'. */
export function archName(arch: ResnetArch): string {
  const hit = Object.entries(NAMED).find(
    ([, a]) => a.block === arch.block && a.layers.join() === arch.layers.join(),
  );
  return hit ? hit[0] : `resnet (${arch.block}, ${arch.layers.join('-')})`;
}

/**
 * The architecture a torchvision/timm ResNet state_dict describes, read from its tensor names
 * and shapes. A state_dict of another network fails on the first ResNet tensor it lacks.
 */
export function inferResnetArch(sd: StateDict, file: string): ResnetArch {
  const shape = (name: string) => {
    const t = sd.get(name);
    if (!t) {
      const first = [...sd.keys()].slice(0, 3).join(', ');
      throw new DataError(
        file,
        `missing tensor ${name}: not a torchvision/timm ResNet state_dict (its first tensors: ${first || 'none'})`,
      );
    }
    return t.shape;
  };
  const conv1 = shape('conv1.weight');
  const block = sd.has('layer1.0.conv3.weight') ? 'bottleneck' : 'basic';
  const layers: number[] = [];
  const inner: number[] = [];
  const outer: number[] = [];
  for (let s = 1; s <= 4; s++) {
    let n = 0;
    while (sd.has(`layer${s}.${n}.conv1.weight`)) n++;
    if (n === 0) shape(`layer${s}.0.conv1.weight`);
    layers.push(n);
    inner.push(shape(`layer${s}.0.conv1.weight`)[0]);
    outer.push(shape(`layer${s}.0.${block === 'basic' ? 'conv2' : 'conv3'}.weight`)[0]);
  }
  const fc = sd.get('fc.weight');
  return {
    block,
    layers,
    stem: conv1[0],
    inner,
    outer,
    classes: fc ? fc.shape[0] : null,
    inChannels: conv1[1],
  };
}

/** Checks a named architecture (`arch: resnet50`) against the one the file holds. */
export function checkArch(arch: ResnetArch, expected: string, file: string): void {
  const want = NAMED[expected];
  if (want && (want.block !== arch.block || want.layers.join() !== arch.layers.join())) {
    throw new DataError(file, `expected a ${expected} state_dict, got ${archName(arch)}`);
  }
}

/**
 * Every tensor of the architecture with its PyTorch shape, in module order (fc only when
 * the file has one; num_batches_tracked left out).
 */
export function expectedTensors(arch: ResnetArch): Map<string, number[]> {
  const out = new Map<string, number[]>();
  const conv = (name: string, o: number, i: number, k: number) =>
    out.set(`${name}.weight`, [o, i, k, k]);
  const bn = (name: string, c: number) => {
    for (const p of ['weight', 'bias', 'running_mean', 'running_var']) out.set(`${name}.${p}`, [c]);
  };
  conv('conv1', arch.stem, arch.inChannels, 7);
  bn('bn1', arch.stem);
  let channels = arch.stem;
  arch.layers.forEach((count, s) => {
    for (let b = 0; b < count; b++) {
      const p = `layer${s + 1}.${b}`;
      const out_ = arch.outer[s];
      const stride = s > 0 && b === 0 ? 2 : 1;
      if (arch.block === 'basic') {
        conv(`${p}.conv1`, out_, channels, 3);
        bn(`${p}.bn1`, out_);
        conv(`${p}.conv2`, out_, out_, 3);
        bn(`${p}.bn2`, out_);
      } else {
        conv(`${p}.conv1`, arch.inner[s], channels, 1);
        bn(`${p}.bn1`, arch.inner[s]);
        conv(`${p}.conv2`, arch.inner[s], arch.inner[s], 3);
        bn(`${p}.bn2`, arch.inner[s]);
        conv(`${p}.conv3`, out_, arch.inner[s], 1);
        bn(`${p}.bn3`, out_);
      }
      if (stride !== 1 || channels !== out_) {
        conv(`${p}.downsample.0`, out_, channels, 1);
        bn(`${p}.downsample.1`, out_);
      }
      channels = out_;
    }
  });
  if (arch.classes !== null) {
    out.set('fc.weight', [arch.classes, channels]);
    out.set('fc.bias', [arch.classes]);
  }
  return out;
}

/** The first missing, mis-shaped or unexpected tensor, as a one-line DataError. */
export function checkStateDict(sd: StateDict, arch: ResnetArch, file: string): void {
  const expected = expectedTensors(arch);
  for (const [name, shape] of expected) {
    const t = sd.get(name);
    if (!t)
      throw new DataError(file, `missing tensor ${name} (shape [${shape}]) for ${archName(arch)}`);
    if (t.shape.join() !== shape.join()) {
      throw new DataError(
        file,
        `tensor ${name} has shape [${t.shape}], ${archName(arch)} needs [${shape}]`,
      );
    }
  }
  for (const [name, t] of sd) {
    if (!expected.has(name) && !name.endsWith('.num_batches_tracked')) {
      throw new DataError(
        file,
        `unexpected tensor ${name} (shape [${t.shape}]) for ${archName(arch)}`,
      );
    }
  }
}
