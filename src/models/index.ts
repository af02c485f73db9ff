/** Network builders. */
export {
  ALEXNET_CONV_LAYERS,
  DEFAULT_ALEXNET_2PLUS1D_CONFIG,
  createAlexNet2Plus1D,
  estimateCost,
  maxPoolFrames,
  planAlexNet2Plus1D,
  resolveAlexNetConfig,
} from './alexnet-2plus1d.js';
export type { AlexNet2Plus1D, AlexNet2Plus1DConfig, AlexNet2Plus1DPlan, ConvLayerPlan, CostEstimate, ForwardOptions } from './alexnet-2plus1d.js';
