import { Router as ExpressRouter, type Router } from 'express';

/** A feature's part of `/openapi.json`: its path items (full paths, `/api/v1/…`) and the schemas they name. */
export interface OpenApiPart {
  readonly paths: Readonly<Record<string, object>>;
  readonly schemas?: Readonly<Record<string, object>>;
}

/**
 * A feature's HTTP side, exported by the feature's folder: its routes and their contract in one
 * object, so the app is assembled from a list of these and nothing else is edited for a new one.
 *
 * `Needs` is what the routes take from the running cloud (stores, engines, settings). It is a
 * function parameter, not a method, so the compiler checks it contravariantly where the plugins
 * are listed: the app's context must offer everything each plugin needs.
 */
export interface HttpPlugin<Needs> {
  /** The feature, as errors at start name it. */
  readonly name: string;
  /** Where the routes are served: under `/api/v1` (the default), or at the root (the web pages). */
  readonly mount?: 'api' | 'root';
  /** Its routes; undefined when the cloud runs without what they serve (no live push, say). */
  readonly routes: (needs: Needs) => Router | undefined;
  readonly openapi?: OpenApiPart;
}

/** Several route modules as one router, tried in the order given; absent ones are skipped. */
export function inOrder(...routers: readonly (Router | undefined)[]): Router {
  const all = ExpressRouter();
  for (const router of routers) if (router !== undefined) all.use(router);
  return all;
}
