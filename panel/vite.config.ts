import { defineConfig, type Plugin, type ProxyOptions } from 'vite';

/** Where `npm run panel:dev` sends API calls: a running `fabrica serve` (FABRICA_URL, as for the CLI). */
const api = (process.env.FABRICA_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');

/** The API's path prefixes (the panel itself lives under /panel/). WebSocket upgrades pass too. */
const API_PATHS = [
  '/auth',
  '/capabilities',
  '/safe-mode',
  '/tokens',
  '/audit',
  '/metrics',
  '/introspection',
  '/api',
  '/healthz',
  '/readyz',
  '/events',
  '/organs',
  '/cells',
  '/factory',
  '/llm',
];

const proxy: Record<string, ProxyOptions> = {};
for (const p of API_PATHS) proxy[p] = { target: api, changeOrigin: true, ws: true };

/** Seed 001 opens the organs panel at `/src/organs.html`; the panel routes by hash, so that path leads there. */
export const SEED_ORGANS_PATH = '/src/organs.html';
const seedOrgansPath = (): Plugin => ({
  name: 'fabrica-seed-organs-path',
  configureServer(server) {
    server.middlewares.use((req, res, next) => {
      const path = (req.url ?? '').split('?')[0];
      if (path !== SEED_ORGANS_PATH) return next();
      res.statusCode = 302;
      res.setHeader('location', '/panel/#/organs');
      res.end();
    });
  },
});

export default defineConfig({
  base: '/panel/',
  plugins: [seedOrgansPath()],
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  // Every browser the panel targets loads modules natively; the polyfill would only add bytes.
  build: { outDir: 'dist', emptyOutDir: true, target: 'es2022', modulePreload: { polyfill: false } },
  server: { proxy },
});
