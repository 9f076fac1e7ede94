import { runExample } from '../shared/main.js';
import { createApp } from './app.js';

await runExample('express', (options) => createApp(options));
