import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import websocket from '@fastify/websocket';
import Fastify, { type FastifyServerOptions } from 'fastify';
import type { App, AppDeps } from './app-deps.js';
import { UNMATCHED_ROUTE } from '../engine/observability/metrics.js';
import { registerCors } from './cors.js';
import { sendFailure, toFailure } from './errors.js';
import {
  answerUnmatched,
  clientErrorHandler,
  frameworkErrorHandler,
  MethodIndex,
} from './framework-errors.js';
import { redact } from './redact.js';
import { redactUrl } from './request-context.js';
import { newRequestIds } from './request-ids.js';
import { closeAfterAnswer, registerRouteHooks } from './route-hooks.js';
import { addErrorResponses, checkResponses } from './response-contract.js';
import { accessRoutes } from './routes/access.routes.js';
import { auditRoutes } from './routes/audit.routes.js';
import { authRoutes } from './routes/auth.routes.js';
import { eventsRoutes } from './routes/events.routes.js';
import { healthRoutes } from './routes/health.routes.js';
import { introspectionRoutes } from './routes/introspection.routes.js';
import { llmLiveRoutes } from './routes/llm-live.routes.js';
import { metricsRoutes } from './routes/metrics.routes.js';
import { roomsRoutes } from './routes/rooms.routes.js';
import { runRecordsRoutes } from './routes/run-records.routes.js';
import { runsRoutes } from './routes/runs.routes.js';
import { cellsRoutes } from './routes/cells.routes.js';
import { factoryCellsRoutes } from './routes/factory-cells.routes.js';
import { familyDocsRoutes } from './routes/family-docs.routes.js';
import { organsRoutes } from './routes/organs.routes.js';
import { commandsRoutes } from './routes/commands.routes.js';
import { trainingRoutes } from './routes/training.routes.js';
import { panelRoutes } from './routes/panel.routes.js';
import { factoryCellStreamRoutes } from './routes/factory-cell-stream.routes.js';
import { organStreamRoutes } from './routes/organ-stream.routes.js';
import { runVerifyRoutes } from './routes/run-verify.routes.js';
import { rolloutsRoutes } from './routes/rollouts.routes.js';
import { webhooksRoutes } from './routes/webhooks.routes.js';
import { runSupervisionRoutes } from './routes/run-supervision.routes.js';
import { buildValidatorCompiler } from './validation.js';

export type { App, AppDeps } from './app-deps.js';

/** Builds the HTTP app. It never listens by itself: `serve` does, tests use `inject` or their own port. */
export async function buildApp(deps: AppDeps): Promise<App> {
  const logger: boolean | object =
    deps.logLevel === 'silent'
      ? false
      : {
          level: deps.logLevel,
          ...(deps.logStream === undefined ? {} : { stream: deps.logStream }),
          redact: {
            paths: ['req.headers.authorization', 'req.headers["sec-websocket-protocol"]', 'req.query.token'],
            censor: '[redacted]',
          },
          // Every line, whatever put a secret in it, passes the one redaction of error bodies too.
          hooks: { streamWrite: redact },
          serializers: {
            req: (req: { method: string; url: string; ip?: string }) => ({
              method: req.method,
              url: redactUrl(req.url),
              remoteAddress: req.ip ?? '',
            }),
          },
        };
  const requestIds = newRequestIds();
  const options: FastifyServerOptions = {
    logger: logger,
    bodyLimit: deps.bodyLimit,
    genReqId: requestIds,
    frameworkErrors: frameworkErrorHandler,
    clientErrorHandler: clientErrorHandler(requestIds),
    requestIdHeader: false,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
  };
  const app = Fastify(options).withTypeProvider<TypeBoxTypeProvider>();

  app.setValidatorCompiler(buildValidatorCompiler());
  // Before the routes (and the OpenAPI plugin's own hook): every route documents its family's errors.
  app.addHook('onRoute', addErrorResponses);
  if (deps.checkResponses) checkResponses(app);
  const methods = new MethodIndex();
  app.addHook('onRoute', (route) => methods.add(route));
  // Before any route is declared: each one gets its request id, authorization and metrics hooks.
  registerRouteHooks(app, deps.access, deps.metrics);

  // An empty body with Content-Type: application/json means `{}` (clients call action routes that way).
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, {});
    try {
      done(null, JSON.parse(text));
    } catch (e) {
      done(
        Object.assign(new Error(`request body is not valid JSON: ${(e as Error).message}`), {
          statusCode: 400,
          code: 'FST_ERR_CTP_INVALID_JSON',
        }),
        undefined,
      );
    }
  });

  // After the route hooks (its catch-all OPTIONS route gets a request id too), before any route.
  await registerCors(app, deps.corsOrigins ?? []);

  app.setErrorHandler((error, req, reply) => {
    const { failure, unexpected } = toFailure(error as Error);
    if (unexpected) req.log.error({ err: error }, 'unexpected error');
    return sendFailure(req, reply, failure);
  });
  const unmatched = deps.metrics.httpRoute(UNMATCHED_ROUTE);
  app.setNotFoundHandler((req, reply) => {
    // No route, so none of a route's hooks ran: the request id and the metrics are done here.
    unmatched.observe(req.method, 404, reply.elapsedTime / 1000);
    closeAfterAnswer(req, reply);
    return answerUnmatched(req, reply, methods);
  });

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: { title: 'fabrica', version: deps.version, description: 'Durable factory control plane.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  await app.register(healthRoutes(deps));
  // The routes that speak WebSocket have a scope of their own: the websocket plugin gives every route of
  // the scope it is registered in a hook on each request and each response, and wraps its handler.
  await app.register(async (streams) => {
    await streams.register(websocket, { options: { maxPayload: 1_048_576 } });
    await streams.register(eventsRoutes(deps));
    await streams.register(llmLiveRoutes(deps));
    await streams.register(factoryCellStreamRoutes(deps));
    await streams.register(organStreamRoutes(deps));
  });
  await app.register(accessRoutes(deps));
  await app.register(authRoutes());
  await app.register(auditRoutes(deps));
  await app.register(metricsRoutes(deps));
  await app.register(introspectionRoutes(deps));
  await app.register(runsRoutes(deps));
  await app.register(runRecordsRoutes(deps));
  await app.register(roomsRoutes(deps));
  await app.register(runVerifyRoutes(deps));
  await app.register(runSupervisionRoutes(deps));
  await app.register(cellsRoutes(deps));
  await app.register(factoryCellsRoutes(deps));
  await app.register(rolloutsRoutes(deps));
  await app.register(organsRoutes(deps));
  await app.register(commandsRoutes(deps));
  await app.register(trainingRoutes(deps));
  await app.register(panelRoutes(deps));
  await app.register(familyDocsRoutes(deps));
  await app.register(webhooksRoutes(deps));

  app.get(
    '/openapi.json',
    { schema: { hide: true }, config: { action: { name: 'openapi', public: true } } },
    () => app.swagger(),
  );
  return app;
}
