import { exampleSetup, readyLine } from '@authcore/example-shared';
import { createApp } from './app.js';

const setup = await exampleSetup();
const server = createApp(setup.authenticator, setup.resourceMetadataOptions).listen(
  setup.port,
  '127.0.0.1',
  (error) => {
    if (error) throw error;
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : setup.port;
    setup.listening(port);
    // One write, so whoever reads the ready line gets the hints (the token) in the same chunk.
    console.log([readyLine('express', port), ...setup.hints].join('\n'));
  },
);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close();
    server.closeAllConnections();
    void setup.close();
  });
}
