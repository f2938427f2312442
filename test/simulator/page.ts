// GET /__sim: a small self-contained HTML overview (no external assets), refreshed every few seconds.
import type { CallRecord } from './calls.ts';
import type { SimulationState } from './simulation.ts';

const SHOWN = 50;

function escapeHtml(value: unknown): string {
  return String(value ?? '').replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function table(headers: string[], rows: unknown[][]): string {
  if (rows.length === 0) return '<p class="empty">none</p>';
  const head = headers.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows.map((r) => `<tr>${r.map((c) => `<td>${escapeHtml(c)}</td>`).join('')}</tr>`).join('');
  return `<table><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

const time = (ms: number) => new Date(ms).toISOString().slice(11, 23);

export function renderPage(state: SimulationState, calls: CallRecord[]): string {
  const { counts } = state;
  const recentCalls = calls.slice(-SHOWN).reverse();
  const recentEvents = state.events.slice(-SHOWN).reverse();
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="3">
<title>SALESmanago simulator</title>
<style>
body{font:14px system-ui,sans-serif;margin:1.5rem;color:#222}h2{margin-top:1.5rem}
table{border-collapse:collapse;font-size:12px}td,th{border:1px solid #ccc;padding:2px 6px;text-align:left}
th{background:#f3f3f3}.empty{color:#888}code,pre{background:#f6f6f6;padding:2px 4px}
</style></head><body>
<h1>SALESmanago simulator</h1>
<p>Calls ${counts.calls} (ok ${counts.ok}, failed ${counts.failed}) · contacts ${counts.contacts} · events ${counts.events}
 · duplicate externalIds ${counts.duplicateExternalIds.length} · JSON: <a href="/__sim/state">state</a>, <a href="/__sim/calls">calls</a></p>
<h2>Faults</h2><pre>${escapeHtml(JSON.stringify(state.faults, null, 1))}</pre>
<h2>Callbacks</h2>${table(['kind', 'template'], Object.entries(state.callbacks))}
<h2>Recent calls</h2>${table(
    ['seq', 'time', 'path', 'status', 'ok', 'fault', 'items', 'messages'],
    recentCalls.map((c) => [c.seq, time(c.at), c.path, c.status, c.ok, c.fault, c.items, c.messages?.join(' | ')]),
  )}
<h2>Contacts (${state.contacts.length})</h2>${table(
    ['email', 'contactId', 'opt-in', 'phone opt-in', 'DOI mails', 'tags', 'name'],
    state.contacts.slice(0, SHOWN * 2).map((c) => [c.email, c.contactId, c.optIn, c.phoneOptIn, c.doubleOptInMails, c.tags.join(', '), c.name]),
  )}
<h2>Recent events</h2>${table(
    ['type', 'email', 'externalId', 'date', 'value', 'products', 'updates'],
    recentEvents.map((e) => [e.contactExtEventType, e.email, e.externalId, new Date(e.date).toISOString(), e.value, e.products, e.updates]),
  )}
</body></html>`;
}
