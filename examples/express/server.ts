import { runExample } from '../shared/main.js';
import { createApp } from './app.js';

runExample('express', (options) => createApp(options));
