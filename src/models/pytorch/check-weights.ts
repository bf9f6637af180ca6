/**
 * Reads and checks a PyTorch weights file without building anything (no TensorFlow.js): the
 * study's preflight calls it so that a damaged file, a forbidden pickle or a state_dict of
 * another network is one line and exit 2 before the first trial.
 *
 * @example
 *   await checkTorchWeights({ source: 'resnet18.pth', arch: 'resnet18' }); // 'resnet18'
 */
import { archName, checkArch, checkStateDict, inferResnetArch } from './resnet-arch.js';
import { readStateDict } from './state-dict.js';

/** The architecture's name when the file is a loadable ResNet state_dict. */
export async function checkTorchWeights(spec: { source: string; arch?: string }): Promise<string> {
  const sd = await readStateDict(spec.source);
  const arch = inferResnetArch(sd, spec.source);
  if (spec.arch) checkArch(arch, spec.arch, spec.source);
  checkStateDict(sd, arch, spec.source);
  return archName(arch);
}
