/**
 * A pretrained backbone from a PyTorch ResNet state_dict (torchvision or timm; .pth or
 * .safetensors): the architecture read from the file, built for the data's input shape,
 * the weights loaded by name, the classifier (fc) left out, and marked as loadBackbone's
 * backbones are, so buildOnBackbone, freezing and discriminative rates work unchanged.
 * A grey-scale input gets conv1's RGB kernels summed (adaptInputChannels).
 *
 * @example
 *   const base = await loadTorchBackbone({ source: 'resnet18.pth', from: 'torchvision' }, [64, 64, 3]);
 *   const model = buildOnBackbone(base, { classes: 5 });
 */
import * as tfl from '@tensorflow/tfjs-layers';
import { ConfigError } from '../../core/errors.js';
import { choice } from '../../core/validation.js';
import { adoptBackbone, type BackboneSpec } from '../backbone.js';
import { adaptInputChannels, loadStateDict } from './load-weights.js';
import { TORCH_ARCHS, type TorchArch, WEIGHT_ORIGINS, type WeightOrigin } from './names.js';
import { checkArch, checkStateDict, inferResnetArch } from './resnet-arch.js';
import { readStateDict } from './state-dict.js';
import { torchvisionResnet } from './torchvision-resnet.js';

export interface TorchBackboneSpec extends BackboneSpec {
  from?: WeightOrigin;
  /** Checked against the file when given. */
  arch?: TorchArch;
}

export async function loadTorchBackbone(
  spec: TorchBackboneSpec,
  inputShape: number[],
  field = 'backbone',
): Promise<tfl.LayersModel> {
  const { from, arch, ...rest } = spec;
  if (from !== undefined) choice(`${field}.from`, from, WEIGHT_ORIGINS);
  if (arch !== undefined) choice(`${field}.arch`, arch, TORCH_ARCHS);
  if (inputShape.length !== 3) {
    throw new ConfigError(
      `${field}.source`,
      'image data [height, width, channels] for a ResNet',
      inputShape,
    );
  }
  const file = rest.source;
  const sd = await readStateDict(file);
  const layout = inferResnetArch(sd, file);
  if (arch) checkArch(layout, arch, file);
  checkStateDict(sd, layout, file);
  adaptInputChannels(sd, inputShape[2], file);
  const full = torchvisionResnet(layout, inputShape as [number, number, number]);
  loadStateDict(full, sd, file, ['fc.']);
  let backbone = full;
  let cutAt = 'avgpool';
  if (rest.cutAt !== undefined && rest.cutAt !== cutAt) {
    const layer = full.layers.find((l) => l.name === rest.cutAt);
    if (!layer || layer.getClassName() === 'InputLayer') {
      full.dispose();
      throw new ConfigError(
        `${field}.cutAt`,
        'a layer of the ResNet (e.g. layer3_1_out, avgpool)',
        rest.cutAt,
      );
    }
    cutAt = layer.name;
    backbone = tfl.model({
      inputs: full.inputs,
      outputs: layer.output as tfl.SymbolicTensor,
      name: `${full.name}_cut`,
    });
    // The layers past the cut are not part of the backbone: free their weights now.
    const kept = new Set(backbone.layers);
    for (const l of full.layers) if (!kept.has(l) && l.weights.length > 0) l.dispose();
  }
  return adoptBackbone(backbone, { ...rest, cutAt }, cutAt, field);
}
