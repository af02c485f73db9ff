/** Every sub-command `vidpad --help` lists, in the order it lists them. */
import type { CliCommand } from '../command.js';
import { backendsCommand } from './backends.js';
import { metricsCommand } from './metrics.js';
import { facesCommand } from './faces.js';
import { datasetCommand } from './dataset.js';
import { preprocessCommand } from './preprocess.js';
import { exportCommand } from './export.js';
import { infoCommand } from './info.js';
import { trainCommand } from './train.js';
import { evalCommand } from './eval.js';
import { predictCommand } from './predict.js';
import { explainCommand } from './explain.js';
import { serveCommand } from './serve.js';
import { experimentCommand } from './experiment.js';
import { demoCommand } from './demo.js';
import { pretrainFlowCommand } from './pretrain-flow.js';
import { synthCommand } from './synth.js';
import { webCommand } from './web.js';

export const COMMANDS: readonly CliCommand[] = [demoCommand, backendsCommand, metricsCommand, facesCommand, datasetCommand, preprocessCommand, trainCommand, evalCommand, predictCommand, explainCommand, serveCommand, webCommand, experimentCommand, exportCommand, infoCommand, pretrainFlowCommand, synthCommand];
