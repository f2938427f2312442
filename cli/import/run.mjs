// The import loop of `npm run import` (docs/import-and-recovery.md): records in batches through the
// signed POST /api/v1/batch with history: true, a progress bar, a state file next to the input so an
// interrupted import continues where it stopped, and <file>.refused.csv with each refused line.
import { createHmac } from 'node:crypto';
import { appendFile, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import cliProgress from 'cli-progress';
import { readRecords } from './formats.mjs';

/** The worker's limits (README "Shop server API"): 500 items and 4 MB a batch; we stay below the size. */
const BATCH_ITEMS = 500;
const BATCH_BYTES = 3_500_000;
const STATE_VERSION = 1;

export const stateFileOf = (file) => `${file}.import-state.json`;
export const refusedFileOf = (file) => `${file}.refused.csv`;

/** Sm-Edge-Signature for a request (README "Shop server API"; test/shop-examples/sm-edge.mjs). */
function signature(secret, method, pathWithQuery, rawBody, t) {
  const v1 = createHmac('sha256', secret).update(`${t}.${method.toUpperCase()}.${pathWithQuery}.${rawBody}`).digest('hex');
  return `t=${t},v1=${v1}`;
}

const sleep = (ms, signal) =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

/** An error that ends the import (the state is kept: a re-run continues). */
export class ImportStopped extends Error {}

/**
 * Sends one batch, retrying what is worth retrying. Every attempt is signed afresh with a later `t`:
 * the worker refuses a signature it has seen (replay).
 * Answers {items} (per-item outcomes), or {badIndex, reason} for a 400 naming one item.
 */
async function postBatch(ctx, items) {
  const body = JSON.stringify({ history: true, items });
  for (let attempt = 1; ; attempt++) {
    const t = Math.max(Math.floor(Date.now() / 1000), ctx.lastT + 1);
    ctx.lastT = t;
    let res;
    let text = '';
    try {
      ctx.calls += 1;
      res = await fetch(`${ctx.url}/api/v1/batch`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'Sm-Edge-Signature': signature(ctx.secret, 'POST', '/api/v1/batch', body, t) },
        body,
        signal: AbortSignal.timeout(120_000),
      });
      text = await res.text();
    } catch (err) {
      res = null;
      text = err instanceof Error ? err.message : String(err);
    }
    if (res && (res.status === 200 || res.status === 202)) return { items: JSON.parse(text).items };
    const error = safeError(text);
    if (res?.status === 400) {
      const m = /^items\[(\d+)\]\.?(.*)$/s.exec(error);
      if (m) return { badIndex: Number(m[1]), reason: m[2].replace(/^\s*/, '') || error };
      throw new ImportStopped(`the worker refused the batch: ${error}`);
    }
    if (res?.status === 413) return { tooLarge: true };
    // The same body signed in the same second as a request before (a re-run started at once): sign
    // again with a later t (the next attempt's t is at least lastT + 1).
    if (res?.status === 401 && /replay/i.test(error) && attempt < ctx.maxAttempts) continue;
    if (res && (res.status === 401 || res.status === 403 || res.status === 404)) {
      throw new ImportStopped(
        `HTTP ${res.status}: ${error}${res.status === 401 ? " (is SHOP_API_SECRET the worker's, and this computer's clock right?)" : ''}`,
      );
    }
    // 429, 503 (ledger busy), other 5xx, network: wait and try again, then give up resumably.
    if (attempt >= ctx.maxAttempts || ctx.signal?.aborted)
      throw new ImportStopped(`the worker did not accept a batch after ${attempt} attempts: ${res ? `HTTP ${res.status} ` : ''}${error}`);
    const retryAfter = Number(res?.headers.get('Retry-After'));
    await sleep(Number.isFinite(retryAfter) && retryAfter > 0 ? retryAfter * 1000 : Math.min(30_000, 1000 * 2 ** (attempt - 1)), ctx.signal);
    if (ctx.signal?.aborted) throw new ImportStopped('interrupted');
  }
}

function safeError(text) {
  try {
    return String(JSON.parse(text).error ?? text);
  } catch {
    return text.slice(0, 300);
  }
}

/** The next batch from `from`: up to BATCH_ITEMS sendable records, below BATCH_BYTES. */
function nextBatch(records, from) {
  const batch = [];
  let bytes = 0;
  let i = from;
  for (; i < records.length && batch.length < BATCH_ITEMS; i++) {
    const r = records[i];
    if (!r.item) {
      batch.push(r);
      continue;
    }
    const size = Buffer.byteLength(JSON.stringify(r.item));
    if (bytes + size > BATCH_BYTES && batch.some((b) => b.item)) break;
    bytes += size;
    batch.push(r);
  }
  return { batch, end: i };
}

function csvField(s) {
  const text = String(s);
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

async function readState(file, fingerprint) {
  try {
    const state = JSON.parse(await readFile(stateFileOf(file), 'utf8'));
    if (state.version === STATE_VERSION && state.fingerprint === fingerprint) return state;
  } catch {
    // no state yet
  }
  return null;
}

async function writeState(file, state) {
  // Written whole and renamed into place: a kill mid-write leaves the previous state, never half of one.
  const tmp = `${stateFileOf(file)}.tmp`;
  await writeFile(tmp, JSON.stringify(state));
  await rename(tmp, stateFileOf(file));
}

/**
 * Runs (or continues) an import. options: {url, file, secret, format?, timezone?, progress?: boolean,
 * signal?: AbortSignal, log?: (line) => void, maxAttempts?}. Answers the summary.
 */
export async function runImport(options) {
  const log = options.log ?? ((line) => process.stderr.write(`${line}\n`));
  const url = options.url.replace(/\/+$/, '');
  const { kind, format, records } = await readRecords(options.file, options.format, { timezone: options.timezone });
  const info = await stat(options.file);
  // The same file (size and content time) against the same worker continues; anything else starts over.
  const fingerprint = `${url}|${info.size}|${Math.round(info.mtimeMs)}|${format}`;
  let state = await readState(options.file, fingerprint);
  const resumed = state !== null;
  if (!state) {
    state = { version: STATE_VERSION, fingerprint, next: 0, finished: false, accepted: 0, duplicate: 0, refused: 0, reasons: {} };
    await unlink(refusedFileOf(options.file)).catch(() => {});
    await writeFile(refusedFileOf(options.file), 'line,reason\n');
  }
  const ctx = { url, secret: options.secret, signal: options.signal, lastT: 0, calls: 0, maxAttempts: options.maxAttempts ?? 8 };
  const started = Date.now();
  const startAt = state.next;
  const summary = () => ({
    kind,
    format,
    total: records.length,
    accepted: state.accepted,
    duplicate: state.duplicate,
    refused: state.refused,
    reasons: state.reasons,
    finished: state.finished,
    resumedAt: resumed ? startAt : null,
    requests: ctx.calls,
    seconds: (Date.now() - started) / 1000,
    refusedFile: refusedFileOf(options.file),
    stateFile: stateFileOf(options.file),
  });
  if (state.finished) {
    log(
      `${options.file}: this import finished before (${stateFileOf(options.file)}); nothing sent. Delete the state file to send it again (the worker answers "duplicate" for what it has).`,
    );
    return summary();
  }
  if (resumed) log(`continuing at record ${state.next + 1} of ${records.length} (${stateFileOf(options.file)})`);

  const bar = options.progress
    ? new cliProgress.SingleBar(
        {
          format:
            'import |{bar}| {percentage}% | {value}/{total} rows | {rate} rows/s | ETA {eta_formatted} | accepted {accepted}, duplicate {duplicate}, refused {refused}',
          etaBuffer: 50,
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      )
    : null;
  const payload = () => ({ accepted: state.accepted, duplicate: state.duplicate, refused: state.refused, rate: rate() });
  const rate = () => {
    const s = (Date.now() - started) / 1000;
    return s > 0 ? Math.round((state.next - startAt) / s) : 0;
  };
  bar?.start(records.length, state.next, payload());

  const refuse = (lines, r, reason) => {
    lines.push(`${r.line},${csvField(reason)}`);
    state.refused += 1;
    const key = reason.replace(/"[^"]*"/g, '"…"').slice(0, 120);
    state.reasons[key] = (state.reasons[key] ?? 0) + 1;
  };

  let lastLog = 0;
  try {
    while (state.next < records.length) {
      if (options.signal?.aborted) throw new ImportStopped('interrupted');
      const { batch, end } = nextBatch(records, state.next);
      const refusedLines = [];
      let pending = batch.filter((r) => r.item);
      for (const r of batch) if (!r.item) refuse(refusedLines, r, r.error ?? 'not readable');
      // A 400 names one bad item: it is refused and the rest sent again; a 413 halves the batch.
      let limit = pending.length;
      while (pending.length > 0) {
        const part = pending.slice(0, limit);
        const answer = await postBatch(
          ctx,
          part.map((r) => r.item),
        );
        if (answer.tooLarge) {
          if (limit === 1) {
            refuse(refusedLines, part[0], 'is too large for one request');
            pending = pending.slice(1);
          } else limit = Math.ceil(limit / 2);
          continue;
        }
        if (answer.badIndex !== undefined) {
          const bad = part[answer.badIndex];
          if (!bad) throw new ImportStopped(`the worker named items[${answer.badIndex}], which this batch does not have`);
          refuse(refusedLines, bad, answer.reason);
          pending = pending.filter((r) => r !== bad);
          continue;
        }
        answer.items.forEach((outcome, i) => {
          if (outcome.status === 'queued') state.accepted += 1;
          else if (outcome.status === 'duplicate') state.duplicate += 1;
          else refuse(refusedLines, part[i], `already imported with other content (${(outcome.fields ?? []).join(', ')}); the first version stands`);
        });
        pending = pending.slice(part.length);
        limit = pending.length;
      }
      if (refusedLines.length > 0) await appendFile(refusedFileOf(options.file), `${refusedLines.join('\n')}\n`);
      state.next = end;
      await writeState(options.file, state);
      bar?.update(state.next, payload());
      if (!bar && Date.now() - lastLog > 5000) {
        lastLog = Date.now();
        log(`${state.next}/${records.length} rows, ${rate()} rows/s, accepted ${state.accepted}, duplicate ${state.duplicate}, refused ${state.refused}`);
      }
    }
    state.finished = true;
    await writeState(options.file, state);
  } finally {
    bar?.stop();
  }
  return summary();
}
