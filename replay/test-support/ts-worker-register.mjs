// `--import` this in a worker's execArgv to load TypeScript modules (see ts-worker-hooks.mjs).
import { register } from 'node:module';

register('./ts-worker-hooks.mjs', import.meta.url);
