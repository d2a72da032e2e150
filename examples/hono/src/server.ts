import { exampleSetup, readyLine } from '@authcore/example-shared';
import { serve } from '@hono/node-server';
import { createApp } from './app.js';

const setup = await exampleSetup();
const server = serve(
  {
    fetch: createApp(setup.authenticator, setup.resourceMetadataOptions).fetch,
    port: setup.port,
    hostname: '127.0.0.1',
  },
  (info) => {
    setup.listening(info.port);
    // One write, so a reader of the ready line has the hints (the token) in the same chunk.
    console.log([readyLine('hono', info.port), ...setup.hints].join('\n'));
  },
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close();
    if ('closeAllConnections' in server) server.closeAllConnections();
    void setup.close();
  });
}
