/** The training options shared by `vidpad train`, `vidpad experiment` and `vidpad demo`. */
import type { OptionSpec, ParsedArgs } from './command.js';
import { numberOption } from './dataset-args.js';
import { LOSS_NAMES, SELECT_BY, DEFAULT_ALEXNET_2PLUS1D_CONFIG, DEFAULT_CLIP_SPEC, DEFAULT_TRAIN_CONFIG, MODEL_NORMS, WEIGHT_INITS, UsageError, ConfigError, resolveTrainConfig, planAlexNet2Plus1D } from '../index.js';
import type { ModelNorm, TrainConfigInput } from '../index.js';

const d = DEFAULT_TRAIN_CONFIG;
const m = DEFAULT_ALEXNET_2PLUS1D_CONFIG;

/** `--norm`, declared once for every command that trains (train, experiment, demo). */
export function normOption(defaultNorm: ModelNorm = m.norm): OptionSpec {
  return {
    name: 'norm',
    type: 'string',
    valueName: 'NAME',
    description: "normalisation after every conv half: 'batch' (conv → BatchNorm → ReLU; running statistics at inference) or 'none' (the paper's exact architecture)",
    default: defaultNorm,
  };
}

/** The value of option `flag`, which must be one of `values` (a usage error naming the flag and listing them otherwise). */
function choiceFromArgs<T extends string>(args: ParsedArgs, flag: string, values: readonly T[]): T {
  const value = String(args.options[flag]);
  if (!(values as readonly string[]).includes(value)) throw new UsageError(`--${flag} must be one of ${values.join(', ')}, got '${value}'`);
  return value as T;
}

export function normFromArgs(args: ParsedArgs): ModelNorm {
  return choiceFromArgs(args, 'norm', MODEL_NORMS);
}

/** Every default is the library's own (DEFAULT_TRAIN_CONFIG, the model's, the clip's), so `vidpad train` and `trainModel({})` build the same network. */
export function trainOptions(): OptionSpec[] {
  return [
    { name: 'loss', type: 'string', valueName: 'NAME', description: `one of ${LOSS_NAMES.join(', ')}`, default: d.loss },
    { name: 'frames', type: 'string', valueName: 'T', description: 'frames per clip: 2, 3 or 5', default: String(DEFAULT_CLIP_SPEC.length) },
    { name: 'size', type: 'string', valueName: 'PX', description: 'input size (must match the cached crops)', default: String(m.inputSize) },
    { name: 'width', type: 'string', valueName: 'X', description: 'width multiplier of every layer (1 = AlexNet)', default: String(m.widthMultiplier) },
    { name: 'embedding', type: 'string', valueName: 'D', description: 'embedding size', default: String(m.embeddingSize) },
    normOption(),
    { name: 'weight-init', type: 'string', valueName: 'NAME', description: `initial conv and dense weights: ${WEIGHT_INITS.join(' or ')} (uniform: PyTorch's default, U(±1/√fan_in))`, default: m.weightInit },
    { name: 'dropout', type: 'string', valueName: 'RATE', description: 'dropout rate after fc6 and fc7 while training (the paper: 0.5)', default: String(m.dropoutRate) },
    { name: 'epochs', type: 'string', valueName: 'N', description: 'at most N epochs', default: String(d.maxEpochs) },
    { name: 'patience', type: 'string', valueName: 'N', description: 'early stop after N epochs without a better --select-by figure', default: String(d.patienceEpochs) },
    { name: 'select-by', type: 'string', valueName: 'WHAT', description: `what picks the kept epoch and drives early stopping: ${SELECT_BY.join(' or ')} (validation EER, ties by loss; or validation loss, the paper's)`, default: d.selectBy },
    { name: 'batch', type: 'string', valueName: 'B', description: 'clips per batch', default: String(d.batchSize) },
    { name: 'clips-per-video', type: 'string', valueName: 'K', description: 'random training clips per video per epoch', default: String(d.clipsPerVideo) },
    { name: 'lr', type: 'string', valueName: 'LR', description: 'initial learning rate (Nesterov SGD)', default: String(d.learningRate) },
    { name: 'lr-decay', type: 'string', valueName: 'F', description: 'learning-rate factor per epoch', default: String(d.lrDecayPerEpoch) },
    { name: 'warmup', type: 'string', valueName: 'STEPS', description: 'optimizer steps of linear learning-rate warm-up at the start (0: none)', default: String(d.warmupSteps) },
    { name: 'momentum', type: 'string', valueName: 'M', description: 'momentum', default: String(d.momentum) },
    { name: 'weight-decay', type: 'string', valueName: 'L', description: 'L2 weight decay added to every gradient (PyTorch SGD\'s weight_decay; 0: none)', default: String(d.weightDecay) },
    { name: 'ema', type: 'string', valueName: 'DECAY', description: 'validate, keep and save an exponential moving average of the weights with this decay per step, e.g. 0.99 (0: the trained weights themselves, the paper)', default: String(d.emaDecay) },
    { name: 'flow', type: 'boolean', description: 'add the FlowNetS branch (frames 1 and T) at the first fully connected layer', default: false },
    { name: 'flow-weights', type: 'string', valueName: 'FILE', description: "FlowNetS encoder weights (safetensors with the PyTorch checkpoint's names, or vidpad pretrain-flow's output)" },
    { name: 'no-augment', type: 'boolean', description: 'turn off horizontal flip and random erasing', default: false },
    { name: 'seed', type: 'string', valueName: 'S', description: 'seed of everything random', default: String(d.seed) },
  ];
}

/** The option that sets each field of the training config, so an invalid value is reported by the flag the user typed. */
const FLAG_OF_FIELD: ReadonlyArray<[RegExp, string]> = [
  [/^(train\.clip\.length|(train\.)?model\.frames)$/, 'frames'],
  [/^(train\.)?model\.inputSize$/, 'size'],
  [/^(train\.)?model\.widthMultiplier$/, 'width'],
  [/^(train\.)?model\.embeddingSize$/, 'embedding'],
  [/^train\.maxEpochs$/, 'epochs'],
  [/^train\.patienceEpochs$/, 'patience'],
  [/^train\.selectBy$/, 'select-by'],
  [/^train\.batchSize$/, 'batch'],
  [/^train\.clipsPerVideo$/, 'clips-per-video'],
  [/^train\.learningRate$/, 'lr'],
  [/^train\.lrDecayPerEpoch$/, 'lr-decay'],
  [/^train\.momentum$/, 'momentum'],
  [/^train\.emaDecay$/, 'ema'],
  [/^train\.weightDecay$/, 'weight-decay'],
  [/^train\.seed$/, 'seed'],
  [/^(train\.)?model\.norm$/, 'norm'],
  [/^(train\.)?model\.dropoutRate$/, 'dropout'],
  [/^train\.warmupSteps$/, 'warmup'],
  [/^train\.flowWeights$/, 'flow-weights'],
  [/^(train\.)?loss(\.|$)/, 'loss'],
];

/**
 * Validates a whole training configuration the way `trainModel` will (and
 * the network it builds), before any work: a ConfigError becomes a
 * UsageError naming the option and the value given.
 */
export function validateTrainConfigArgs(args: ParsedArgs, config: TrainConfigInput): void {
  try {
    planAlexNet2Plus1D(resolveTrainConfig(config).model);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    const flag = FLAG_OF_FIELD.find(([re]) => re.test(err.path))?.[1];
    const given = flag !== undefined ? args.options[flag] : undefined;
    throw new UsageError(flag !== undefined ? `--${flag}${typeof given === 'string' ? ` ${given}` : ''}: ${err.message}` : err.message);
  }
}

export function trainConfigFromArgs(args: ParsedArgs): TrainConfigInput {
  const config = trainConfigInputFromArgs(args);
  validateTrainConfigArgs(args, config);
  return config;
}

/** The training options as given, not yet validated (a grid validates each of its rows). */
export function trainConfigInputFromArgs(args: ParsedArgs): TrainConfigInput {
  return {
    loss: choiceFromArgs(args, 'loss', LOSS_NAMES),
    model: {
      inputSize: numberOption(args, 'size', { integer: true, min: 63 })!,
      widthMultiplier: numberOption(args, 'width')!,
      embeddingSize: numberOption(args, 'embedding', { integer: true, min: 1 })!,
      flowBranch: Boolean(args.options.flow),
      norm: normFromArgs(args),
      dropoutRate: numberOption(args, 'dropout')!,
      weightInit: choiceFromArgs(args, 'weight-init', WEIGHT_INITS),
    },
    ...(typeof args.options['flow-weights'] === 'string' ? { flowWeights: args.options['flow-weights'] } : {}),
    clip: { length: numberOption(args, 'frames', { integer: true }) as 2 | 3 | 5, stride: 1 },
    maxEpochs: numberOption(args, 'epochs', { integer: true, min: 1 })!,
    patienceEpochs: numberOption(args, 'patience', { integer: true, min: 1 })!,
    selectBy: choiceFromArgs(args, 'select-by', SELECT_BY),
    batchSize: numberOption(args, 'batch', { integer: true, min: 2 })!,
    clipsPerVideo: numberOption(args, 'clips-per-video', { integer: true, min: 1 })!,
    learningRate: numberOption(args, 'lr')!,
    lrDecayPerEpoch: numberOption(args, 'lr-decay')!,
    warmupSteps: numberOption(args, 'warmup', { integer: true, min: 0 })!,
    momentum: numberOption(args, 'momentum')!,
    emaDecay: numberOption(args, 'ema')!,
    weightDecay: numberOption(args, 'weight-decay')!,
    seed: numberOption(args, 'seed', { integer: true, min: 0 })!,
    ...(args.options['no-augment'] ? { augment: { flipProbability: 0, erasing: null, color: null } } : {}),
  };
}
