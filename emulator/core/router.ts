/**
 * Path templates (`/subscriptions/{subscriptionId}/resourcegroups`) matched against request paths. Literal segments
 * compare case-insensitively, as ARM does (the specs spell `resourcegroups`, the guide `resourceGroups`); a parameter
 * takes exactly one segment. When several templates match, the one with the most literal segments wins, so a
 * specific route (a compute) beats a generic one (Microsoft.Resources' `{resourceType}/{resourceName}`).
 */

export interface Template {
  template: string
  segments: number
  literals: number
  regex: RegExp
  names: string[]
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')

export function compileTemplate(template: string): Template {
  const parts = template.split('/').filter(Boolean)
  const names: string[] = []
  let literals = 0
  const body = parts
    .map(part => {
      let out = ''
      let last = 0
      let hasParam = false
      for (const m of part.matchAll(/\{([^}]+)\}/g)) {
        out += escape(part.slice(last, m.index)) + '([^/]+)'
        names.push(m[1])
        last = (m.index ?? 0) + m[0].length
        hasParam = true
      }
      out += escape(part.slice(last))
      if (!hasParam) literals++
      return out
    })
    .join('/')
  return { template, segments: parts.length, literals, regex: new RegExp(`^/${body}$`, 'i'), names }
}

/** The path's parameters, or undefined when the template does not match. */
export function matchTemplate(t: Template, path: string): Record<string, string> | undefined {
  const m = t.regex.exec(path)
  if (!m) return undefined
  const params: Record<string, string> = {}
  t.names.forEach((name, i) => {
    try {
      params[name] = decodeURIComponent(m[i + 1])
    } catch {
      params[name] = m[i + 1]
    }
  })
  return params
}

/** Trailing slashes are dropped (the guide lists workspaces as `.../workspaces/?api-version=...`). */
export function normalizePath(path: string): string {
  const p = path.replace(/\/+$/, '')
  return p === '' ? '/' : p
}

export interface RouteLike {
  method: string
  tpl: Template
}

export type RouteMatch<R> =
  { kind: 'found'; route: R; params: Record<string, string> } | { kind: 'method'; allowed: string[] } | { kind: 'none' }

/**
 * The route for a request. Among routes with as many literal segments, `rank` (higher wins) breaks the tie: two
 * versions of a spec describe the same path, and the request's api-version picks one.
 */
export function findRoute<R extends RouteLike>(
  routes: R[],
  method: string,
  path: string,
  rank: (route: R) => number = () => 0
): RouteMatch<R> {
  let best: { route: R; params: Record<string, string> } | undefined
  const allowed = new Set<string>()
  for (const route of routes) {
    const params = matchTemplate(route.tpl, path)
    if (!params) continue
    if (route.method !== method) {
      allowed.add(route.method)
      continue
    }
    if (
      !best ||
      route.tpl.literals > best.route.tpl.literals ||
      (route.tpl.literals === best.route.tpl.literals && rank(route) > rank(best.route))
    ) {
      best = { route, params }
    }
  }
  if (best) return { kind: 'found', ...best }
  if (allowed.size > 0) return { kind: 'method', allowed: [...allowed].sort() }
  return { kind: 'none' }
}
