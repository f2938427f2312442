// Named consents as SALESmanago receives them (issue 23 "Sent to SALESmanago"): a contact upsert carries
// `consentDetails` only for the consents the merchant linked on /setup to a consent of the SALESmanago
// account (consent texts with SALESmanago's consent name and/or consent description id). Each entry
// names the consent as the account does, with the IP of the statement (from its proof record) and
// the consent description id of the text version the person agreed to (else of the current version).
// A consent the shop sends that is not linked stays proof only (consent_proofs). A name SALESmanago
// refuses is recorded (consent_refusals), shown on /setup, and not sent again until its text is saved
// anew; the upsert then goes without it, so the contact's other data is not lost.
import { allTexts, type ConsentText } from '../ledger/consent-texts.ts';
import { allRefusals, recordRefusals, type ConsentRefusal } from '../ledger/consent-refusals.ts';
import { proofsOfItems } from '../ledger/consent-proofs.ts';
import type { ContactUpsert, NamedConsent } from '../salesmanago/types.ts';

export type { ConsentRefusal } from '../ledger/consent-refusals.ts';

interface Link {
  smName: string;
  /** consentDescriptionId per text version, and of the current version. */
  idOf: Map<string, number>;
  currentId?: number;
}

/** Shop consent name → its SALESmanago consent, for the texts whose current version is linked and not refused. */
function accountLinks(texts: readonly ConsentText[], refused: ReadonlySet<string>): Map<string, Link> {
  const byName = new Map<string, ConsentText[]>();
  for (const t of texts) byName.set(t.name, [...(byName.get(t.name) ?? []), t]);
  const out = new Map<string, Link>();
  for (const [name, versions] of byName) {
    const current = [...versions].sort((a, b) => b.seq - a.seq)[0];
    if (!current || (!current.smName && !current.smId)) continue;
    const smName = current.smName ?? name;
    if (refused.has(smName)) continue;
    const idOf = new Map<string, number>();
    for (const v of versions) if (v.smId) idOf.set(v.version, Number(v.smId));
    out.set(name, { smName, idOf, ...(current.smId ? { currentId: Number(current.smId) } : {}) });
  }
  return out;
}

/**
 * The upserts' named consents as the account knows them: linked ones renamed, with IP and description
 * id; the others dropped. `itemIds[i]` are the ledger ids of the shop contacts merged into upsert i
 * (their proof holds the IP and version).
 */
export async function forAccount(db: D1Database, upserts: readonly ContactUpsert[], itemIds: readonly string[][]): Promise<ContactUpsert[]> {
  if (!upserts.some((u) => u.consents?.length)) return [...upserts];
  const [texts, refusals] = await Promise.all([allTexts(db), allRefusals(db)]);
  const links = accountLinks(texts, new Set(refusals.map((r) => r.smName)));
  const proofs = links.size > 0 ? await proofsOfItems(db, itemIds.flat()) : [];
  const proofOf = new Map(proofs.map((p) => [`${p.name}\u0000${p.statedAt}`, p]));
  return upserts.map((u) => {
    if (!u.consents?.length) return u;
    const consents: NamedConsent[] = u.consents.flatMap((c) => {
      const link = links.get(c.name);
      if (!link) return [];
      const proof = proofOf.get(`${c.name}\u0000${c.at}`);
      const descriptionId = (proof?.version ? link.idOf.get(proof.version) : undefined) ?? link.currentId;
      return [
        {
          name: link.smName,
          accepted: c.accepted,
          at: c.at,
          ...(proof?.ip ? { ip: proof.ip } : {}),
          ...(descriptionId !== undefined ? { descriptionId } : {}),
        },
      ];
    });
    const out: ContactUpsert = { ...u, consents };
    if (consents.length === 0) delete out.consents;
    return out;
  });
}

/**
 * The consent names of these upserts that SALESmanago's refusal names (a message mentioning a consent
 * and the name). How SALESmanago words it is not documented; the simulator answers "Consent with name
 * '<name>' does not exist" (docs/privacy.md "Sent to SALESmanago").
 */
export function refusedNames(messages: readonly string[], upserts: readonly ContactUpsert[]): string[] {
  const sent = new Set(upserts.flatMap((u) => (u.consents ?? []).map((c) => c.name)));
  const about = messages.filter((m) => /consent|zgod/i.test(m));
  return [...sent].filter((name) => about.some((m) => m.includes(`'${name}'`) || m.includes(`"${name}"`) || m.includes(` ${name} `) || m.endsWith(` ${name}`)));
}

const EMAIL = /[^\s'"<>@]+@[^\s'"<>@]+/g;

/** Records the refusals (SALESmanago's message, any address blanked out). */
export async function recordRefused(db: D1Database, names: readonly string[], messages: readonly string[], now: number): Promise<void> {
  const refusals: ConsentRefusal[] = names.map((smName) => ({
    smName,
    message: (messages.find((m) => m.includes(smName)) ?? messages.join('; ')).replace(EMAIL, '<email>').slice(0, 500),
    refusedAt: now,
  }));
  await recordRefusals(db, refusals);
}

/** The upsert without the refused consents. */
export function withoutRefused(u: ContactUpsert, names: readonly string[]): ContactUpsert {
  if (!u.consents?.length) return u;
  const consents = u.consents.filter((c) => !names.includes(c.name));
  const out: ContactUpsert = { ...u, consents };
  if (consents.length === 0) delete out.consents;
  return out;
}

/** The refusals of consent names a text still links to (a text re-linked to another name leaves its old refusal behind). */
export async function consentRefusals(db: D1Database): Promise<ConsentRefusal[]> {
  const [texts, refusals] = await Promise.all([allTexts(db), allRefusals(db)]);
  const linked = new Set([...accountLinks(texts, new Set()).values()].map((l) => l.smName));
  return refusals.filter((r) => linked.has(r.smName));
}
