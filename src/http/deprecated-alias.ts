import type { FastifyReply } from 'fastify';

/** Marks an answer served under a deprecated alias, naming the path that replaces it (RFC 8594 style). */
export function markDeprecated(reply: FastifyReply, successor: string): void {
  reply.header('deprecation', 'true').header('link', `<${successor}>; rel="successor-version"`);
}
