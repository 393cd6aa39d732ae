/**
 * The job summary: what the operation did, its result and links. Built from plain facts, never from request or
 * response bodies, so no secret can reach it.
 */
import * as core from '@actions/core'
import { maskStepSecrets } from '../http/redact.js'
import type { Report } from '../base/context.js'

export function newReport(title: string): Report {
  return { title, facts: [], links: [] }
}

const MAX_ROWS = 50

export async function writeSummary(report: Report, outcome: 'succeeded' | 'failed', error?: string): Promise<void> {
  if (!process.env.GITHUB_STEP_SUMMARY) return
  const summary = core.summary.addHeading(`Azure ML: ${escapeHtml(report.title)}`, 3)
  const facts: [string, string][] = [
    ['Result', outcome === 'succeeded' ? '✅ succeeded' : '❌ failed'],
    ...report.facts
  ]
  if (error) facts.push(['Error', error])
  summary.addTable([
    [
      { data: 'Item', header: true },
      { data: 'Value', header: true }
    ],
    ...facts.map(([k, v]) => [escapeHtml(k), escapeHtml(v)])
  ])
  if (report.table && report.table.rows.length > 0) {
    const rows = report.table.rows.slice(0, MAX_ROWS)
    summary.addTable([
      report.table.headers.map(h => ({ data: escapeHtml(h), header: true })),
      ...rows.map(r => r.map(escapeHtml))
    ])
    if (report.table.rows.length > MAX_ROWS) summary.addRaw(`… and ${report.table.rows.length - MAX_ROWS} more.`, true)
  }
  for (const link of report.links) summary.addLink(escapeHtml(link.text), link.href).addBreak()
  await summary.write()
}

/** Every cell and link text: HTML-escaped, and masked with every secret of the step (service text can echo one). */
function escapeHtml(text: string): string {
  return maskStepSecrets(text).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}
