/** A worker thread of the study runner: one tfjs, trials one at a time. */
import { serve } from '../pool/serve.js';
import { runTrial, type TrialInput, type TrialOutput } from './run-trial.js';

serve<TrialInput, TrialOutput>((input, report) => runTrial(input, report));
