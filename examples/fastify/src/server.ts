import { exampleSetup, readyLine } from '@authcore/example-shared';
import { buildApp } from './app.js';

const setup = await exampleSetup();
const app = buildApp(setup.authenticator, setup.resourceMetadataOptions);
await app.listen({ port: setup.port, host: '127.0.0.1' });
const address = app.server.address();
const port = typeof address === 'object' && address ? address.port : setup.port;
setup.listening(port);
// One write, so a reader sees the hints (the token) together with the ready line.
console.log([readyLine('fastify', port), ...setup.hints].join('\n'));

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    void app.close().then(() => setup.close());
  });
}
