import { PASSAGE } from '@authcore/core/adapter';
import type { FastifyPluginAsync } from 'fastify';
import { fastifyPlugin } from 'fastify-plugin';
import { type AuthHook, authenticate } from './authenticate.js';
import type { AuthcorePluginOptions, RouteAuthOptions } from './types.js';

// Async: a misconfiguration thrown here (no authenticator, bad options) fails `app.ready()`.
const plugin: FastifyPluginAsync<AuthcorePluginOptions> = async (app, options) => {
  const { authenticator, ...defaults } = options;
  const fallback = authenticate(authenticator, defaults);
  if (app.hasRequestDecorator('auth')) {
    throw new Error(
      '@authcore/fastify: already registered here; use route `config.auth` to vary it',
    );
  }
  // One hook per distinct `config.auth`, built on first use, so options are merged once per route.
  const hooks = new WeakMap<RouteAuthOptions, AuthHook>();
  const hookFor = (auth: RouteAuthOptions) => {
    let hook = hooks.get(auth);
    if (!hook) {
      hook = authenticate(authenticator, { ...defaults, ...auth });
      hooks.set(auth, hook);
    }
    return hook;
  };
  app.decorateRequest('auth', undefined);
  // Declared ahead like \`auth\`: the hook's write on every request then changes no shape.
  app.decorateRequest(PASSAGE, null);
  app.addHook('onRequest', (request, reply, done) => {
    const auth = request.routeOptions.config.auth;
    // Public routes and unknown URLs (nothing there to protect) go on untouched.
    if (auth === false || request.is404) return done();
    (auth === undefined ? fallback : hookFor(auth))(request, reply, done);
  });
};

/**
 * The Fastify plugin: decorates `request.auth` and, in the context it is registered in and its
 * children, authenticates every route as its options and the route's `config.auth` say.
 */
export const authcore = fastifyPlugin(plugin, { fastify: '5.x', name: '@authcore/fastify' });
