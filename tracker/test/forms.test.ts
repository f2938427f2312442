import { describe, expect, it } from 'vitest';
import { fire, load, useHarness } from './harness';

useHarness();

/** Builds a form in the page; fields whose value must never be read throw when it is. */
const form = (p: { doc: any }, mark: string | null, html: string) => {
  const f = p.doc.createElement('form');
  if (mark) f.setAttribute('data-sm-edge', mark);
  f.innerHTML = html;
  for (const el of f.querySelectorAll('[data-secret]')) {
    Object.defineProperty(el, 'value', {
      get() {
        throw new Error(`value of ${el.name} read`);
      },
    });
  }
  p.doc.body.appendChild(f);
  return f;
};

describe('marked forms', () => {
  it('captures a newsletter form on submit, the e-mail from its e-mail input, and sends at once', async () => {
    const p = await load();
    await p.settle();
    const f = form(p, 'newsletter', '<input type="email" name="newsletter[address]" value="jan@x.pl"><button>OK</button>');
    fire(f, p.win, 'submit');
    await Promise.resolve();
    expect(p.posts).toHaveLength(2);
    expect(p.posts[1]!.e).toMatchObject([{ k: 'newsletter', email: 'jan@x.pl', u: 'https://shop.example/' }]);
  });

  it('keeps a form event whose immediate send failed, for the next page', async () => {
    const p = await load({ answer: () => Promise.reject(new TypeError('Failed to fetch')) });
    fire(form(p, 'offer', '<input type="email" value="a@b.pl"><textarea name="message">Hi</textarea>'), p.win, 'submit');
    await Promise.resolve();
    await Promise.resolve();
    await Promise.resolve();
    const [, ...kept] = JSON.parse(p.win.localStorage.getItem('sm_o'));
    expect(kept.map((e: any) => e.k)).toEqual(['visit', 'offer']);
  });

  it('reads only email, name, phone, company and message; never password or card fields', async () => {
    const p = await load();
    const f = form(
      p,
      'offer',
      // The secret fields come first, and some carry allowed names: only their kind keeps them unread.
      `<input type="password" name="password" data-secret><input type="password" name="email" data-secret>
       <input name="name" autocomplete="cc-name" data-secret><input name="cc" autocomplete="cc-number" data-secret>
       <input name="phone" autocomplete="cc-csc" data-secret><input name="company" autocomplete="section-pay cc-number" data-secret>
       <input name="email" value="a@b.pl"><input name="name" value="Jan"><input name="phone" value="500">
       <input name="company" value="ACME"><textarea name="message">Quote 10 pcs</textarea>
       <input name="address" value="Street 1"><input name="token" value="csrf">`,
    );
    expect(() => fire(f, p.win, 'submit')).not.toThrow();
    await p.settle();
    const e = p.events().find((x) => x.k === 'offer')!;
    expect(e).toMatchObject({ email: 'a@b.pl', name: 'Jan', phone: '500', company: 'ACME', message: 'Quote 10 pcs' });
    for (const k of ['address', 'token', 'password', 'cc']) expect(e).not.toHaveProperty(k);
  });

  it('captures survey forms; never reads unmarked forms, nor consent, login or cart marks', async () => {
    const p = await load({ attrs: { consent: 'required' } });
    for (const mark of [null, 'consent', 'login', 'cart', 'visit', 'survey']) {
      fire(
        form(p, mark, '<input type="email" name="e" value="s@b.pl"><textarea name="message">Hello</textarea><input name="token" value="t">'),
        p.win,
        'submit',
      );
    }
    // A form marked "consent" gave no consent: nothing has left yet.
    expect(p.win.fetch).not.toHaveBeenCalled();
    p.smEdge('consent', true);
    await p.settle();
    expect(p.events().map((e) => e.k)).toEqual(['visit', 'survey']);
    expect(p.events()[1]).toMatchObject({ email: 's@b.pl', message: 'Hello' });
    expect(p.events()[1]).not.toHaveProperty('token');
  });

  it('leaves other marks to the collector, which refuses unknown event types', async () => {
    const p = await load();
    fire(form(p, 'newsletterx', '<input type="email" value="s@b.pl"><input type="password" name="email" data-secret>'), p.win, 'submit');
    await p.settle();
    expect(p.events().map((e) => e.k)).toEqual(['visit', 'newsletterx']);
  });

  it('still sees submits that the shop stops from bubbling', async () => {
    const p = await load();
    const f = form(p, 'newsletter', '<input type="email" value="a@b.pl">');
    f.addEventListener('submit', (e: Event) => e.stopPropagation());
    fire(f, p.win, 'submit');
    await p.settle();
    expect(p.events().map((e) => e.k)).toEqual(['visit', 'newsletter']);
  });
});
