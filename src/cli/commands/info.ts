/** `tunebook info`: which engine runs here and how. */
import { type BackendChoice, initEngine } from '../../engine/backend.js';
import type { Command } from '../command.js';

export const infoCommand: Command = {
  name: 'info',
  usage: 'tunebook info [--json] [--backend auto|tensorflow|wasm|cpu]',
  flags: { json: { type: 'boolean', help: 'print JSON' } },
  async run({ flags, out }) {
    const info = await initEngine({ backend: flags.backend as BackendChoice | undefined });
    if (flags.json) {
      out(JSON.stringify(info, null, 2));
      return;
    }
    out(`backend          ${info.backend} (${info.backendPackage} ${info.backendVersion})`);
    out(`tfjs-core        ${info.tfjsCoreVersion}`);
    out(`threads          ${info.threads}`);
    out(`simd             ${info.simd ? 'yes' : 'no'}`);
    out(`kernel path      ${info.kernelPath}`);
    out(
      `relaxed simd     ${info.relaxedSimd ? `available (${info.kernelPath === 'relaxed-simd' ? 'used by the convolution kernels' : 'unused'})` : 'no'}`,
    );
    out(`node             ${info.node}`);
    out(`tfjs-node        ${info.tfjsNode ? `found (${info.tfjsNode})` : 'not found'}`);
    if (info.supplementedKernels.length > 0) {
      out(`training kernels ${info.supplementedKernels.join(', ')}`);
    }
  },
};
