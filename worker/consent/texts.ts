// Consent texts and their versions, defined on /setup (issue 23 item 4). Changing a text (or its
// SALESmanago name or id) makes a new version; the old ones stay readable. A statement recorded
// without a version gets the version current at receipt (ledger/consent-proofs.ts), and the proof
// shows the text of its version.
import { addTextVersion, allTexts, type ConsentText } from '../ledger/consent-texts.ts';
import type { D1Reader } from '../ledger/sessions.ts';
import { clearRefusal } from '../ledger/consent-refusals.ts';

export type { ConsentText } from '../ledger/consent-texts.ts';

const TEXT_LIMITS = { name: 255, text: 10_000, smName: 255, smId: 64 } as const;

export type TextInput = { name?: string; text?: string; smName?: string; smId?: string };

/** Validates and saves a text: `{ok, added}` (added false when it equals the latest version), or the problem naming the field. */
export async function saveText(db: D1Database, input: TextInput, now = Date.now()): Promise<{ ok: true; added: boolean } | { ok: false; error: string }> {
  const name = (input.name ?? '').trim();
  const text = (input.text ?? '').trim();
  const smName = (input.smName ?? '').trim() || null;
  const smId = (input.smId ?? '').trim() || null;
  if (!name) return { ok: false, error: 'name: is required (newsletter, sms, or the consent name the shop sends)' };
  if (name.length > TEXT_LIMITS.name) return { ok: false, error: `name: at most ${TEXT_LIMITS.name} characters` };
  if (!text) return { ok: false, error: 'text: is required' };
  if (text.length > TEXT_LIMITS.text) return { ok: false, error: `text: at most ${TEXT_LIMITS.text} characters` };
  if (smName && smName.length > TEXT_LIMITS.smName) return { ok: false, error: `smName: at most ${TEXT_LIMITS.smName} characters` };
  if (smId && !/^\d{1,18}$/.test(smId)) return { ok: false, error: "smId: must be SALESmanago's numeric consent description id" };
  const added = await addTextVersion(db, { name, text, smName, smId }, now);
  // A new version may follow the consent's creation in SALESmanago: its name is tried again.
  if (added && (smName || smId)) await clearRefusal(db, smName ?? name);
  return { ok: true, added };
}

/** Every text with all its versions, newest version first. */
export async function listTexts(db: D1Reader): Promise<Map<string, ConsentText[]>> {
  const byName = new Map<string, ConsentText[]>();
  for (const t of await allTexts(db)) byName.set(t.name, [...(byName.get(t.name) ?? []), t]);
  return byName;
}
