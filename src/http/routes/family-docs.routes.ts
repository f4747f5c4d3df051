import { Type, type FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { ActionSpec } from '../../domain/policy.js';
import type { AppDeps } from '../app.js';

const PUBLIC: ActionSpec = { name: 'docs', public: true };
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

interface OpenApiDoc {
  readonly openapi: string;
  readonly info: { title: string; version: string; description?: string };
  readonly paths?: Record<string, Record<string, { summary?: string; tags?: string[] }>>;
  readonly components?: unknown;
}

/** The LLM factory family's part of the OpenAPI document: every path under `/llm/`. */
export function factoryFamilyDoc(full: OpenApiDoc): OpenApiDoc {
  const paths = Object.fromEntries(Object.entries(full.paths ?? {}).filter(([p]) => p.startsWith('/llm/')));
  return {
    ...full,
    info: {
      ...full.info,
      title: `${full.info.title}: LLM factory`,
      description:
        'Runs, stages, issues, checkpoints, artifacts, verification, gates, review bundles and rooms. Answers {success: true, data}; errors {success: false, error, code, message}.',
    },
    paths,
  };
}

const escape = (s: string) =>
  s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

/** The reference as a page that reads without scripts: one row per operation, linked to the full docs. */
export function factoryFamilyHtml(doc: OpenApiDoc): string {
  const rows = Object.entries(doc.paths ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .flatMap(([path, ops]) =>
      METHODS.filter((m) => ops[m] !== undefined).map(
        (m) =>
          `<tr><td><code>${m.toUpperCase()}</code></td><td><code>${escape(path)}</code></td><td>${escape(ops[m]!.summary ?? '')}</td></tr>`,
      ),
    );
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(doc.info.title)}</title>
<style>body{font:15px/1.5 system-ui,sans-serif;margin:2rem auto;max-width:72rem;padding:0 1rem}table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:.3rem .6rem;text-align:left;vertical-align:top}code{font-size:.9em}</style>
</head>
<body>
<h1>${escape(doc.info.title)} <small>${escape(doc.info.version)}</small></h1>
<p>${escape(doc.info.description ?? '')}</p>
<p>Send <code>Authorization: Bearer &lt;token&gt;</code>. The OpenAPI document of this family: <a href="?format=json">JSON</a>; every family, interactive: <a href="/docs">/docs</a>.</p>
<table>
<thead><tr><th>method</th><th>path</th><th>what</th></tr></thead>
<tbody>
${rows.join('\n')}
</tbody>
</table>
</body>
</html>
`;
}

/** JSON when the caller asks for it (`?format=json`, or an Accept that prefers JSON to HTML); else HTML. */
export function wantsJson(format: string | undefined, accept: string | undefined): boolean {
  if (format !== undefined) return format === 'json';
  const q = (type: string) => {
    let best = -1;
    for (const part of (accept ?? '').split(',')) {
      const [range, ...params] = part.trim().toLowerCase().split(';');
      if (range !== type && range !== `${type.split('/')[0]}/*` && range !== '*/*') continue;
      const qp = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
      const value = qp === undefined ? 1 : Number(qp.slice(2));
      // An exact range outranks a wildcard of the same weight.
      best = Math.max(best, Number.isFinite(value) ? value + (range === type ? 0.0001 : 0) : 0);
    }
    return best;
  };
  const json = q('application/json');
  return json > 0 && json > q('text/html');
}

/** `GET /docs/llm/factory`: the LLM factory family's reference, where the abbot client opens it. */
export const familyDocsRoutes =
  (_deps: AppDeps): FastifyPluginAsyncTypebox =>
  async (app) => {
    app.get(
      '/docs/llm/factory',
      {
        schema: {
          hide: true,
          querystring: Type.Object(
            { format: Type.Optional(Type.Union([Type.Literal('json'), Type.Literal('html')])) },
            { additionalProperties: false },
          ),
        },
        config: { action: PUBLIC },
      },
      async (req, reply) => {
        const doc = factoryFamilyDoc(app.swagger() as unknown as OpenApiDoc);
        reply.header('vary', 'accept');
        if (wantsJson(req.query.format, req.headers.accept)) return reply.type('application/json').send(doc);
        return reply.type('text/html; charset=utf-8').send(factoryFamilyHtml(doc));
      },
    );
  };
