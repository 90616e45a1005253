/**
 * Entry point for the Azure Functions host. The host loads this file and every
 * `dist/src/functions/*.js` (package.json `main`); each function registers itself. Services are
 * built lazily on the first invocation from the validated app settings; Graph's validation
 * handshake needs none, and its notifications only a light set.
 */
import { app } from '@azure/functions';
import { createServices, createWebhookServices } from './app/composition-root';
import { installServicesFactory, installWebhookServicesFactory } from './app/services';
import { loadConfig } from './config/config';
import './functions';

app.setup({ enableHttpStream: false });

// Validated at start-up: a bad or missing setting fails the worker with a message naming it.
const config = loadConfig(process.env);
installServicesFactory(() => createServices(config));
// Graph's webhook must answer within seconds of a cold start: it gets a lighter set of its own.
installWebhookServicesFactory(() => createWebhookServices(config));
