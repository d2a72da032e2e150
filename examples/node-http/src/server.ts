import { createServer } from 'node:http';
import { exampleSetup, readyLine } from '@authcore/example-shared';
import { createListener } from './app.js';

const setup = await exampleSetup();
const server = createServer(createListener(setup.authenticator, setup.resourceMetadata));
server.listen(setup.port, '127.0.0.1', () => {
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : setup.port;
  setup.listening(port);
  console.log(readyLine('node-http', port));
  for (const line of setup.hints) console.log(line);
});

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close();
    server.closeAllConnections();
    void setup.close();
  });
}
