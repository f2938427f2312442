// GET /health: liveness plus the NAMES of the settings that need fixing. Always 200: a misconfigured
// worker still accepts and queues events. It is unauthenticated, so it says which settings are wrong
// but not how (e.g. not that a secret is too short): the details are on the password-protected
// setup page.
import { Hono } from 'hono';
import type { AppEnv } from '../env.ts';
import { PLATFORMS } from '../platforms/index.ts';
import { signatureReport, type SignatureState } from '../platforms/signature-state.ts';

export const health = new Hono<AppEnv>().get('/', async (c) => {
  const config = c.var.config;
  // Per platform whose secret is set: does the shop sign with it (platforms/signature-state.ts)? A
  // mismatch names the secret as a problem: the shop's deliveries are all being refused.
  const signatures: Partial<Record<string, SignatureState>> = {};
  const mismatched: string[] = [];
  for (const p of PLATFORMS) {
    if (!p.secret(config.platforms)) continue;
    const state = await signatureReport(c.env.LEDGER, p.name).then(
      (r) => r.state,
      () => null,
    );
    if (!state) continue;
    signatures[p.name] = state;
    if (state === 'mismatch') mismatched.push(p.secretName);
  }
  const problems = [...new Set([...config.problems.map((p) => p.name), ...mismatched])];
  return c.json({
    ok: true,
    configured: problems.length === 0,
    salesmanagoConfigured: config.salesmanago !== null,
    // Names only, each once: what to fix is on the setup page.
    problems,
    platformSignatures: signatures,
  });
});
