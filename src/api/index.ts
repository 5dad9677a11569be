/** The REST API: routes, authentication, OpenAPI, server-sent progress, and the HTTP server. */
export { apiVersion, createApi } from './app.ts';
export type { ErrorBody } from './errors.ts';
export { type RunningServer, type ServeOptions, serve } from './server.ts';
