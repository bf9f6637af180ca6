/**
 * What a `pretrained` spec may say about where its weights come from, without TensorFlow.js
 * (for the study-file schema): `tfjs` (a tfjs layers model, the default) or a PyTorch
 * state_dict of a torchvision/timm ResNet (`.pth`/`.pt` from torch.save, or `.safetensors`).
 */
export const WEIGHT_ORIGINS = ['tfjs', 'torchvision', 'timm'] as const;
export type WeightOrigin = (typeof WEIGHT_ORIGINS)[number];
export const TORCH_ARCHS = ['resnet18', 'resnet34', 'resnet50', 'resnet101', 'resnet152'] as const;
export type TorchArch = (typeof TORCH_ARCHS)[number];

/** Whether a pretrained spec names PyTorch weights: by `from`, or by the file's extension. */
export function isTorchWeights(spec: { source: string; from?: string }): boolean {
  if (spec.from !== undefined) return spec.from !== 'tfjs';
  return /\.(pth|pt|safetensors)$/i.test(spec.source);
}
