/** `node --import` this file to record every module the process resolves (see load-hooks.ts). */
import { register } from 'node:module';

register('./load-hooks.js', import.meta.url);
