// Forms marked data-sm-edge="newsletter" | "survey" | "offer" are captured on submit (capture
// phase: the shop cannot stop it). Only the allow-listed fields are read; password and payment-card
// fields never are, whatever their name.
import { d, on } from './env';
import { run } from './commands';
import { flush } from './transport';

export const watchForms = () =>
  on(
    d,
    'submit',
    (e) => {
      const f = e.target;
      const type = f.dataset.smEdge;
      const a: any = {};
      // newsletter, offer, survey (and visit, harmless); never consent, cart or login. The collector
      // refuses other marks, as any unknown command.
      if (type > 'm') {
        for (const el of f.elements) {
          const t = el.type;
          const n = t == 'email' ? t : el.name;
          // type="password", autocomplete="cc-number" (or "section-x cc-csc", ...)
          if (!/password|cc-/.test(t + el.autocomplete) && /^(email|name|phone|company|message)$/.test(n)) a[n] ||= el.value;
        }
        run(type, a);
        // Sent at once: the page is usually about to be left, and a failure seen now is kept for later
        // (a beacon's failure is never seen).
        flush();
      }
    },
    true,
  );
