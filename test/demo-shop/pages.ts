// HTML of the demo storefront. Every page includes the snippet exactly as a theme would.
import { PRODUCTS, findProduct } from './catalog.ts';

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const price = (n: number) => `${n.toFixed(2).replace('.', ',')} zł`;

export interface PageContext {
  collectorUrl: string;
  /** A login token minted by the shop server after a successful login. */
  loginToken?: string;
  user?: string;
  notice?: string;
  /** Render the snippet with data-consent="required" and a consent banner. */
  consentRequired?: boolean;
}

export function layout(ctx: PageContext, title: string, body: string): string {
  return `<!doctype html>
<html lang="pl"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${esc(title)} · Demo sklep</title>
<script async src="${esc(ctx.collectorUrl)}/s.js" data-cart-path="/koszyk"${ctx.consentRequired ? ' data-consent="required"' : ''} data-allow-automation></script>
<script>window.smEdge=window.smEdge||function(){(smEdge.q=smEdge.q||[]).push(arguments)}</script>
<script>
// Demo cart kept in localStorage; every change is reported with smEdge('cart', …). Defined in the
// head, before any page's own script uses it.
window.demoCart={
  read(){try{return JSON.parse(localStorage.getItem('demo-cart')||'[]')}catch(e){return[]}},
  write(items){localStorage.setItem('demo-cart',JSON.stringify(items));
    smEdge('cart',{products:items.map(i=>({id:i.id,name:i.name,quantity:i.quantity,price:i.price})),
      value:this.total(items),currency:'PLN'});},
  add(id,name,price){const items=this.read();const f=items.find(i=>i.id===id);
    if(f)f.quantity++;else items.push({id,name,price,quantity:1});this.write(items);
    const n=items.reduce((s,i)=>s+i.quantity,0),added=document.getElementById('added');
    added.textContent='Dodano do koszyka: '+name+'. W koszyku: '+n+' szt., '+demoPrice(this.total(items))+'.';added.hidden=false;},
  total(items){return Math.round(items.reduce((s,i)=>s+i.quantity*i.price,0)*100)/100;}
};
// One price format on every page and in the cart: 39,90 zł.
window.demoPrice=n=>n.toFixed(2).replace('.',',')+' zł';
</script>
<style>
body{font-family:system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#17324d;color:#fff;padding:12px 24px;display:flex;gap:18px;align-items:center;flex-wrap:wrap}
header a{color:#fff;text-decoration:none}header strong{margin-right:auto}
main{max-width:880px;margin:24px auto;padding:0 16px}
.grid{display:grid;grid-template-columns:repeat(auto-fill,minmax(190px,1fr));gap:16px}
.card{background:#fff;border:1px solid #ddd;border-radius:8px;padding:16px}
form{display:grid;gap:8px;max-width:420px}input,textarea,button{font:inherit;padding:8px}
button{background:#17324d;color:#fff;border:0;border-radius:6px;cursor:pointer}
.notice{background:#e7f5e9;border:1px solid #9c9;padding:8px 12px;border-radius:6px}
.error{background:#fdecea;border:1px solid #e0a39c;color:#8a1c12;padding:8px 12px;border-radius:6px}
#added{position:sticky;top:0}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 16px}dt{color:#555}dd{margin:0}
table{border-collapse:collapse;width:100%}td,th{border-bottom:1px solid #ddd;padding:6px;text-align:left}
</style></head>
<body><header><strong>☕ Demo sklep</strong>
<a href="/">Produkty</a><a href="/koszyk">Koszyk</a><a href="/kontakt">Kontakt</a><a href="/zapytanie">Zapytanie ofertowe</a><a href="/zgoda">Zgoda (RODO)</a>
${ctx.user ? `<span>Zalogowano: ${esc(ctx.user)}</span>` : '<a href="/logowanie">Logowanie</a>'}
</header><main>
<p class="notice" id="added" role="status" hidden></p>
${ctx.notice ? `<p class="notice" id="notice">${esc(ctx.notice)}</p>` : ''}
${body}
</main>
<script>
${ctx.loginToken ? `smEdge('login',{token:${JSON.stringify(ctx.loginToken)}});` : ''}
</script>
</body></html>`;
}

export function home(ctx: PageContext): string {
  const cards = PRODUCTS.map(
    (p) => `<div class="card"><h3><a href="/produkt/${esc(p.id)}">${esc(p.name)}</a></h3><p>${price(p.price)}</p>
<button data-add="${esc(p.id)}" onclick="demoCart.add(${esc(JSON.stringify(p.id))},${esc(JSON.stringify(p.name))},${p.price})">Do koszyka</button></div>`,
  ).join('');
  return layout(
    ctx,
    'Produkty',
    `<h1>Produkty</h1><div class="grid">${cards}</div>
<h2>Newsletter</h2>
<form id="newsletter" data-sm-edge="newsletter" action="/dziekujemy" method="get">
<input type="email" name="email" placeholder="twoj@email.pl" required><button>Zapisz się</button></form>`,
  );
}

export function product(ctx: PageContext, id: string): string | null {
  const p = findProduct(id);
  if (!p) return null;
  return layout(
    ctx,
    p.name,
    `<h1>${esc(p.name)}</h1><p>${esc(p.description)}</p><p><strong>${price(p.price)}</strong></p>
<button id="add" onclick="demoCart.add(${esc(JSON.stringify(p.id))},${esc(JSON.stringify(p.name))},${p.price})">Do koszyka</button>`,
  );
}

/**
 * The lines of a cart-recovery link (`?sm-edge-cart=<id>:<quantity>,…`, CART_RECOVERY_URL's `{items}`,
 * worker/shop/cart-url.ts), with the demo catalog's names and prices; unknown ids are skipped.
 */
export function recoveredCart(param: string | null): { id: string; name: string; quantity: number; price: number }[] {
  if (!param) return [];
  return param.split(',').flatMap((line) => {
    const [rawId = '', rawQuantity = '1'] = line.split(':');
    const p = findProduct(decodeURIComponent(rawId));
    const quantity = Math.max(1, Math.min(999, Number.parseInt(rawQuantity, 10) || 1));
    return p ? [{ id: p.id, name: p.name, quantity, price: p.price }] : [];
  });
}

export function cart(ctx: PageContext, recovered: ReturnType<typeof recoveredCart> = []): string {
  // A recovery link's cart replaces the stored one (then the address loses its query).
  const restore =
    recovered.length > 0 ? `demoCart.write(${JSON.stringify(recovered).replace(/</g, '\\u003c')});history.replaceState(null,'','/koszyk');\n` : '';
  return layout(
    ctx,
    'Koszyk',
    `<h1>Koszyk</h1><table id="cart"><thead><tr><th>Produkt</th><th>Ilość</th><th>Cena</th><th></th></tr></thead><tbody></tbody><tfoot><tr><th colspan=2>Razem</th><th id="cart-total"></th><th></th></tr></tfoot></table>
<form method="post" action="/zamowienie" id="checkout"><input type="email" name="email" placeholder="e-mail do zamówienia" required>
<input type="hidden" name="cart" id="cart-field"><button>Zamawiam</button></form>
<script>
function render(){const items=demoCart.read();document.getElementById('cart-field').value=JSON.stringify(items);
document.querySelector('#cart tbody').innerHTML=items.map((i,n)=>'<tr><td>'+i.name+'</td><td>'+i.quantity+'</td><td>'+demoPrice(i.price*i.quantity)+'</td><td><button data-remove="'+n+'">Usuń</button></td></tr>').join('')||'<tr><td colspan=4>Koszyk jest pusty</td></tr>';
document.getElementById('cart-total').textContent=demoPrice(demoCart.total(items));}
document.addEventListener('click',e=>{const n=e.target.getAttribute&&e.target.getAttribute('data-remove');if(n!==null&&n!==undefined){const items=demoCart.read();items.splice(+n,1);demoCart.write(items);render();}});
${restore}render();
</script>`,
  );
}

export function login(ctx: PageContext): string {
  return layout(
    ctx,
    'Logowanie',
    `<h1>Logowanie</h1><form id="login" method="post" action="/logowanie">
<input type="email" name="email" placeholder="e-mail" required><input type="password" name="password" placeholder="hasło" required>
<button>Zaloguj</button></form><p>Demo: każde hasło jest poprawne.</p>`,
  );
}

export function contact(ctx: PageContext): string {
  return layout(
    ctx,
    'Kontakt',
    `<h1>Kontakt</h1><form id="survey" data-sm-edge="survey" action="/dziekujemy" method="get">
<input type="email" name="email" placeholder="e-mail" required><input name="name" placeholder="imię">
<textarea name="message" placeholder="wiadomość"></textarea><button>Wyślij</button></form>`,
  );
}

export function quote(ctx: PageContext): string {
  return layout(
    ctx,
    'Zapytanie ofertowe',
    `<h1>Zapytanie ofertowe</h1><form id="offer" data-sm-edge="offer" action="/dziekujemy" method="get">
<input type="email" name="email" placeholder="e-mail" required><input name="company" placeholder="firma">
<input name="phone" placeholder="telefon"><textarea name="message" placeholder="czego potrzebujesz?"></textarea>
<button>Wyślij zapytanie</button></form>`,
  );
}

export function consentBanner(ctx: PageContext): string {
  return layout(
    { ...ctx, consentRequired: true },
    'Zgoda',
    `<h1>Sklep z wymaganą zgodą</h1><p>Ta strona ładuje skrypt z <code>data-consent="required"</code>: nic nie jest wysyłane ani zapisywane przed zgodą.</p>
<div class="card" id="banner"><p>Czy zgadzasz się na analitykę marketingową?</p>
<button id="accept" onclick="smEdge('consent',true);this.parentNode.remove()">Zgadzam się</button>
<button id="reject" onclick="smEdge('consent',false);this.parentNode.remove()">Nie zgadzam się</button></div>`,
  );
}

export function orderFailed(ctx: PageContext, problem: string): string {
  return layout(
    ctx,
    'Zamówienie',
    `<h1>Zamówienie nie zostało złożone</h1><p class="error" id="order-error" role="alert">${esc(problem)}</p><p><a href="/koszyk">Wróć do koszyka</a></p>`,
  );
}

export function thanks(ctx: PageContext): string {
  return layout(ctx, 'Dziękujemy', '<h1>Dziękujemy!</h1><p><a href="/">Wróć do sklepu</a></p>');
}

export interface PlacedOrder {
  orderId: string;
  email: string;
  items: { name: string; quantity: number; price: number }[];
  value: number;
  /** salesmanago-edge's answer: "queued", or "duplicate" for a repost. */
  status: string;
}

/** The order confirmation, and what salesmanago-edge answered, in the shop's words. */
export function orderPlaced(ctx: PageContext, order: PlacedOrder): string {
  const status =
    order.status === 'queued'
      ? 'przyjęte; zakup trafi do SALESmanago w ciągu kilku sekund'
      : order.status === 'duplicate'
        ? 'już wcześniej przyjęte (powtórzone wysłanie niczego nie zmienia)'
        : order.status;
  const lines = order.items.map((i) => `<tr><td>${esc(i.name)}</td><td>${i.quantity}</td><td>${price(i.price * i.quantity)}</td></tr>`).join('');
  return layout(
    { ...ctx, notice: `Zamówienie ${order.orderId} zostało złożone.` },
    'Dziękujemy',
    `<h1>Dziękujemy!</h1>
<dl id="order"><dt>Numer zamówienia</dt><dd>${esc(order.orderId)}</dd><dt>E-mail</dt><dd>${esc(order.email)}</dd>
<dt>salesmanago-edge</dt><dd id="order-status" data-status="${esc(order.status)}">${esc(status)}</dd></dl>
<table><thead><tr><th>Produkt</th><th>Ilość</th><th>Cena</th></tr></thead><tbody>${lines}</tbody>
<tfoot><tr><th colspan=2>Razem</th><th>${price(order.value)}</th></tr></tfoot></table>
<p><a href="/">Wróć do sklepu</a></p>`,
  );
}
