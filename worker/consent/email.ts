// How an e-mail address arriving in a SALESmanago callback (or a shop API path) is read.
// SALESmanago substitutes $email$ into the URL without documenting any encoding (docs/salesmanago-api.md
// §5), so a literal "+" reaches us as a space after query decoding, and "@" may arrive as "%40"
// (even double-encoded). We undo both, trim and lower-case.
import { emailMessage, emailProblem } from '../contact/email.ts';

export type ReadEmail = { ok: true; email: string; asReceived: string } | { ok: false; error: string };

export function readEmail(raw: string | null | undefined, field = 'email'): ReadEmail {
  if (raw === null || raw === undefined || raw.trim() === '') return { ok: false, error: `${field} is missing` };
  let text = raw.trim();
  // A second layer of percent-encoding (e.g. "a%2540x.pl" decoded once to "a%40x.pl").
  if (/%[0-9a-f]{2}/i.test(text)) {
    try {
      text = decodeURIComponent(text);
    } catch {
      // Not valid percent-encoding: keep the text, the e-mail check below decides.
    }
  }
  // Inside an address a space can only be a "+" that was decoded as form encoding.
  const asReceived = text.trim().replace(/ /g, '+');
  // The same rule as the shop API and the beacons (worker/contact/email.ts): an address SALESmanago
  // holds is never refused here, so its opt-out is never lost. It checks the characters as received:
  // lower-casing first would turn the Kelvin sign (U+212A) into an ASCII "k" and accept another address.
  const problem = emailProblem(asReceived);
  if (problem !== null) return { ok: false, error: emailMessage(problem, `${field} is not an e-mail address`) };
  const email = asReceived.toLowerCase();
  return { ok: true, email, asReceived };
}
