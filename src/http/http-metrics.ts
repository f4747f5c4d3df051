import type { FastifyInstance } from 'fastify';
import { UNMATCHED_ROUTE, type Metrics } from '../engine/metrics.js';

/**
 * Counts every answered request by method, route template and status, and times it. The label is the
 * template (`/capabilities/:name`), never the raw URL, so ids in paths cannot blow up the series count.
 */
export function registerHttpMetrics(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', (req, reply, done) => {
    const route = req.routeOptions.url ?? UNMATCHED_ROUTE;
    metrics.observeHttp(req.method, route, reply.statusCode, reply.elapsedTime / 1000);
    done();
  });
}
