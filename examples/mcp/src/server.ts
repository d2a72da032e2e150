import { createServer } from 'node:http';
import { createApp } from './app.js';
import { readConfig } from './config.js';

const config = readConfig(process.env);
const server = createServer();
await new Promise<void>((resolve, reject) => {
  server.once('error', reject);
  server.listen(config.port, '127.0.0.1', resolve);
});
const address = server.address();
const port = typeof address === 'object' && address ? address.port : config.port;
// The default resource is this server's own MCP URL, known once listening (PORT=0).
const resource = config.audience ?? `http://127.0.0.1:${port}/mcp`;
server.on('request', createApp({ issuer: config.issuer, resource, jwksUri: config.jwksUri }));

console.log(`authcore mcp example listening on http://127.0.0.1:${port}`);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    server.close();
    server.closeAllConnections();
  });
}
