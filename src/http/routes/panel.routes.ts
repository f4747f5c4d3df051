import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { readFile, stat } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import type { ActionSpec } from '../../domain/policy.js';
import type { AppDeps } from '../app-deps.js';
import { sendFailure } from '../errors.js';

/** The panel's files are public: the data they show comes from the API, which asks for a token. */
const PANEL: ActionSpec = { name: 'panel', public: true };

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/** The panel talks to this origin only, and is never framed (clickjacking on the admin controls). */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

/**
 * The operator panel: the static files `npm run build` writes to `panel/dist`, at `/panel/`. Built
 * asset names carry a content hash, so they are cached for good; `index.html` is always revalidated.
 * The directory is looked at on each request, so a build made while the server runs is served at once.
 */
export const panelRoutes =
  (deps: AppDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    const root = resolve(deps.panelDir);
    const config = { action: PANEL };
    const schema = { hide: true };

    const send = async (req: FastifyRequest, reply: FastifyReply, path: string) => {
      const index = resolve(root, 'index.html');
      if (!(await isFile(index))) {
        return sendFailure(req, reply, {
          code: 'panel_not_built',
          reason: 'the operator panel is not built: run `npm run build` and reload',
        });
      }
      // Anything outside the directory is refused as absent, whatever the path spells.
      const file = resolve(root, path);
      const inside = file === root || file.startsWith(root + sep);
      const target = inside && !path.includes('\0') && (await isFile(file)) ? file : null;
      if (target === null && path.startsWith('assets/')) {
        return sendFailure(req, reply, { code: 'not_found', reason: `no panel file ${path}` });
      }
      const chosen = target ?? index;
      const body = await readFile(chosen);
      return reply
        .headers(SECURITY_HEADERS)
        .header('content-type', TYPES[extname(chosen)] ?? 'application/octet-stream')
        .header(
          'cache-control',
          chosen === index
            ? 'no-cache'
            : path.startsWith('assets/')
              ? 'public, max-age=31536000, immutable'
              : 'no-cache',
        )
        .send(body);
    };

    app.get('/', { schema, config }, (_req, reply) => reply.redirect('/panel/'));
    app.get('/panel', { schema, config }, (_req, reply) => reply.redirect('/panel/'));
    app.get('/panel/', { schema, config }, (req, reply) => send(req, reply, 'index.html'));
    app.get<{ Params: { '*': string } }>('/panel/*', { schema, config }, (req, reply) =>
      send(req, reply, req.params['*']),
    );
  };

const isFile = async (path: string): Promise<boolean> => {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
};
