/** One route an Express app answers: upper-case method and an OpenAPI-style path (`/rooms/{room}`). */
export interface MountedRoute {
  readonly method: string;
  readonly path: string;
}

/** The parts of Express 5's router (the `router` package, 2.x) that the walk reads. */
interface Layer {
  readonly rawPath?: unknown;
  readonly route?: { readonly path: unknown; readonly methods: Record<string, boolean> };
  readonly handle?: { readonly stack?: readonly Layer[] };
}

const join = (prefix: string, path: string) => (path === '/' ? prefix : `${prefix}${path}`) || '/';

/**
 * Every method and path the app's router stack answers, found by walking it: routes of the app and of
 * every router mounted in it (`app.use(path, …, router)`), at any depth. Paths are converted from
 * Express's `:name` to OpenAPI's `{name}`. Throws `TypeError` on a layer it cannot read (an Express
 * that keeps its paths elsewhere), so the walk cannot silently find nothing.
 */
export function mountedRoutes(app: unknown): MountedRoute[] {
  const router = (app as { router?: { stack?: readonly Layer[] } }).router;
  if (!router?.stack) throw new TypeError('not an Express 5 app: no router stack');
  const found: MountedRoute[] = [];
  const walk = (stack: readonly Layer[], prefix: string) => {
    for (const layer of stack) {
      if (layer.route) {
        const paths = Array.isArray(layer.route.path) ? (layer.route.path as unknown[]) : [layer.route.path];
        for (const path of paths) {
          if (typeof path !== 'string') throw new TypeError(`a route path that is not a string under ${prefix}`);
          for (const [method, on] of Object.entries(layer.route.methods)) {
            if (on && method !== '_all') found.push({ method: method.toUpperCase(), path: join(prefix, path).replace(/:(\w+)/g, '{$1}') });
          }
        }
      } else if (layer.handle?.stack) {
        if (typeof layer.rawPath !== 'string') throw new TypeError(`a mounted router without a path under ${prefix}`);
        walk(layer.handle.stack, join(prefix, layer.rawPath));
      }
    }
  };
  walk(router.stack, '');
  return found;
}
