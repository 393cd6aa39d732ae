import * as core from '@actions/core'
import type { Context } from '../base/context.js'

/** Puts a listed resource set into the job summary: its count and a table of the named fields (dotted paths). */
export function reportList(ctx: Context, title: string, items: unknown[], fields: string[]): void {
  core.info(`${title}: ${items.length}`)
  ctx.report.facts.push(['Listed', title], ['Count', String(items.length)])
  ctx.report.table = {
    headers: fields.map(f => f.split('.').pop() as string),
    rows: items.map(item => fields.map(f => String(pick(item, f) ?? '')))
  }
}

function pick(value: unknown, path: string): unknown {
  return path.split('.').reduce<unknown>((v, key) => (v as Record<string, unknown> | undefined)?.[key], value)
}
