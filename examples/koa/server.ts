import { runExample } from '../shared/main.js';
import { createApp } from './app.js';

runExample('koa', (options) => createApp(options).callback());
