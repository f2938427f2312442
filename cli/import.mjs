#!/usr/bin/env node
// npm run import -- --url https://<worker> --file <orders.csv|orders.ndjson|contacts.csv> [--format woocommerce|shopify|generic]
// The shop's history through the signed POST /api/v1/batch (docs/import-and-recovery.md). The secret
// comes from the environment (SHOP_API_SECRET), never from the command line (shell history, ps).
import { parseArgs } from 'node:util';
import { FORMATS } from './import/formats.mjs';
import { ImportStopped, runImport } from './import/run.mjs';

const USAGE = `usage: SHOP_API_SECRET=… npm run import -- --url https://<worker> --file <orders.csv|orders.ndjson|contacts.csv>
       [--format woocommerce|shopify|generic] [--timezone +01:00] [--no-progress]`;

let args;
try {
  args = parseArgs({
    options: {
      url: { type: 'string' },
      file: { type: 'string' },
      format: { type: 'string' },
      timezone: { type: 'string' },
      'no-progress': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
    },
  }).values;
} catch (err) {
  console.error(`${err.message}\n${USAGE}`);
  process.exit(2);
}
if (args.help) {
  console.log(USAGE);
  process.exit(0);
}
const problems = [];
if (!args.url || !/^https?:\/\/[^/]+/.test(args.url)) problems.push("--url: the worker's address, e.g. https://sm-edge.example.workers.dev");
if (!args.file) problems.push('--file: the file to import');
if (args.format && !FORMATS.includes(args.format)) problems.push(`--format: one of ${FORMATS.join(', ')}`);
if (args.timezone && !/^[+-]\d{2}:\d{2}$/.test(args.timezone)) problems.push('--timezone: an offset such as +01:00 (for dates without a zone)');
const secret = process.env.SHOP_API_SECRET ?? '';
if (secret.length < 16) problems.push("SHOP_API_SECRET: set it in the environment (the worker's secret, at least 16 characters)");
if (problems.length > 0) {
  console.error(`${problems.join('\n')}\n${USAGE}`);
  process.exit(2);
}

// Ctrl-C: finish the batch in flight, save the state, stop; a second Ctrl-C stops at once (the state
// of the last finished batch is kept either way).
const controller = new AbortController();
process.on('SIGINT', () => {
  if (controller.signal.aborted) process.exit(130);
  controller.abort();
  console.error('\nstopping after this batch (Ctrl-C again to stop now); run the same command to continue');
});

try {
  const s = await runImport({
    url: args.url,
    file: args.file,
    format: args.format,
    timezone: args.timezone,
    secret,
    progress: !args['no-progress'] && process.stderr.isTTY === true,
    signal: controller.signal,
  });
  const lines = [
    `${s.file ?? args.file}: ${s.total} ${s.kind === 'orders' ? 'orders' : s.kind === 'contacts' ? 'contacts' : 'records'} (${s.format})`,
    `  accepted ${s.accepted}, duplicate ${s.duplicate}, refused ${s.refused}`,
    ...Object.entries(s.reasons)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 10)
      .map(([reason, n]) => `    ${n} × ${reason}`),
  ];
  if (s.refused > 0) lines.push(`  refused rows (line, reason): ${s.refusedFile}`);
  if (s.seconds > 0 && s.requests > 0) lines.push(`  ${s.requests} requests in ${s.seconds.toFixed(1)} s`);
  console.log(lines.join('\n'));
} catch (err) {
  if (err instanceof ImportStopped) {
    console.error(`import stopped: ${err.message}\nRun the same command again to continue where it stopped.`);
    process.exit(controller.signal.aborted ? 130 : 1);
  }
  throw err;
}
