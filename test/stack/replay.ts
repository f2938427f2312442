// `npm run replay [-- <worker URL>] [--status failed|dead|kept]`: puts failed and dead deliveries back on
// the queue (POST /admin/replay); `--status kept` replays the kept shop-platform deliveries. Without a URL it talks to the local worker; the password comes
// from the ADMIN_PASSWORD environment variable, else the local development value.
import { LOCAL_PORTS, LOCAL_SECRETS } from './local-values.ts';

function usage(problem: string): never {
  console.error(`${problem}\nusage: npm run replay -- [<worker URL>] [--status failed|dead|queued|kept] [--limit n]`);
  process.exit(2);
}

const args = process.argv.slice(2);
let base = `http://localhost:${LOCAL_PORTS.worker}`;
const query = new URLSearchParams();
for (let i = 0; i < args.length; i++) {
  const arg = args[i] ?? '';
  if (arg === '--status' || arg === '--limit') {
    const value = args[++i];
    if (!value) usage(`${arg} needs a value`);
    query.set(arg.slice(2), value);
  } else if (/^https?:\/\//.test(arg)) base = arg.replace(/\/+$/, '');
  else usage(`unexpected argument "${arg}"`);
}

const password = process.env.ADMIN_PASSWORD ?? LOCAL_SECRETS.ADMIN_PASSWORD;
const url = `${base}/admin/replay${query.size > 0 ? `?${query}` : ''}`;
let res: Response;
try {
  res = await fetch(url, {
    method: 'POST',
    headers: { Authorization: `Basic ${Buffer.from(`admin:${password}`).toString('base64')}` },
  });
} catch (err) {
  console.error(`cannot reach ${base}: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
const text = await res.text();
if (!res.ok) {
  console.error(`${url} answered HTTP ${res.status}: ${text}`);
  process.exit(1);
}
if (query.get('status') === 'kept') {
  const kept = JSON.parse(text) as { replayed: number; accepted: number; ignored: number; stillKept: number };
  console.log(`kept platform deliveries replayed ${kept.replayed}: accepted ${kept.accepted}, ignored ${kept.ignored}, still kept ${kept.stillKept}`);
  process.exit(0);
}
const result = JSON.parse(text) as { requeued: number; byStatus: Record<string, number>; unreadable: number; remaining: number };
console.log(
  `requeued ${result.requeued} (failed ${result.byStatus.failed ?? 0}, dead ${result.byStatus.dead ?? 0}); ` +
    `unreadable ${result.unreadable}; still to replay ${result.remaining}`,
);
