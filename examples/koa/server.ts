import { runExample } from '../shared/main.js';
import { createApp } from './app.js';

await runExample('koa', (options) => createApp(options).callback());
