import { createServer } from 'node:http';
import { createIssuer, toNodeListener } from '@authcore/issuer';
import { readConfig } from './config.js';

const config = readConfig(process.env);
const server = createServer();
await new Promise<void>((resolve, reject) => {
  server.once('error', reject);
  server.listen(config.port, '127.0.0.1', resolve);
});
const address = server.address();
const port = typeof address === 'object' && address ? address.port : config.port;

const issuer = createIssuer({
  issuer: config.issuer ?? `http://127.0.0.1:${port}`,
  clients: config.clients,
  ...config.dynamic,
  // No login page of its own: with AUTHCORE_DEMO_USER, every request is approved as that user
  // with the scopes asked for, so scripts and tests run the code flow without a browser.
  authorize: () =>
    config.demoUser
      ? { userId: config.demoUser }
      : {
          error: 'access_denied',
          errorDescription: 'this example has no login page; set AUTHCORE_DEMO_USER',
        },
  onError: (error) => console.error(error),
});

const oauth = toNodeListener(issuer);
server.on('request', (req, res) => {
  if (req.method === 'GET' && req.url === '/health') {
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ status: 'ok' }));
    return;
  }
  void oauth(req, res);
});

console.log(`authcore issuer example listening on http://127.0.0.1:${port}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close();
    server.closeAllConnections();
  });
}
