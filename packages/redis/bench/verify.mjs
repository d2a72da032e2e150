// API key verifications per second through RedisApiKeyStore, with and without the in-process
// cache. Needs a build (`pnpm build`) and a Redis: AUTHCORE_REDIS_URL (default 127.0.0.1:6379).
// node packages/redis/bench/verify.mjs [seconds per run, default 3] [concurrency, default 32]
import { apiKey, generateApiKey } from '@authcore/core';
import { RedisApiKeyStore } from '@authcore/redis';

const url = process.env.AUTHCORE_REDIS_URL ?? 'redis://127.0.0.1:6379';
const seconds = Number(process.argv[2] ?? 3);
const concurrency = Number(process.argv[3] ?? 32);

async function run(label, cache) {
  const prefix = `bench:${Date.now()}:${label}:`;
  const store = new RedisApiKeyStore({ redis: url, prefix, cache });
  await store.ready();
  const keys = [];
  for (let i = 0; i < 100; i++) {
    const { key, record } = await generateApiKey({ prefix: 'sk_bench', owner: 'bench' });
    await store.create(record);
    keys.push(key);
  }
  const scheme = apiKey({ store });
  let done = 0;
  const until = performance.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: concurrency }, async (_, w) => {
      for (let i = w; performance.now() < until; i++) {
        const r = await scheme.verify({ slot: 'apiKey', token: keys[i % keys.length] }, {});
        if (!r.ok) throw new Error('verification failed');
        done++;
      }
    }),
  );
  const rate = Math.round(done / seconds);
  console.log(`${label}: ${rate} verifications/s (concurrency ${concurrency})`);
  await store.close();
}

await run('redis, no cache', false);
await run('redis + in-process cache', {});
