// The page frame: head, inline style (allowed by the CSP nonce), header with the language switch.
import type { Child } from 'hono/jsx';
import { CHART_STYLE } from './events-pages.tsx';
import type { Lang, Messages } from './i18n.ts';

const STYLE = `
:root{--ink:#1d2433;--muted:#5b6475;--line:#e3e7ee;--bg:#f5f7fa;--card:#fff;--ok:#137a3f;--ok-bg:#e6f5ec;
--bad:#b3261e;--bad-bg:#fdecea;--off:#6b7280;--off-bg:#eef0f3;--accent:#0b5cad}
*{box-sizing:border-box}
body{margin:0;font:15px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
header{background:var(--card);border-bottom:1px solid var(--line)}
.wrap{max-width:960px;margin:0 auto;padding:0 20px}
header .wrap{display:flex;align-items:center;justify-content:space-between;gap:16px;padding:18px 20px}
h1{font-size:22px;margin:0}
.sub{color:var(--muted);margin:2px 0 0}
.lang a{color:var(--accent);text-decoration:none;border:1px solid var(--line);border-radius:6px;padding:4px 10px}
main{padding:20px 0 40px}
.banner{border-radius:10px;padding:12px 16px;margin:0 0 18px;font-weight:600}
.banner.ok{background:var(--ok-bg);color:var(--ok)}
.banner.bad{background:var(--bad-bg);color:var(--bad)}
.banner a{color:inherit}
section{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:18px 20px;margin:0 0 16px}
section h2{font-size:18px;margin:0 0 4px;display:flex;align-items:center;gap:10px;flex-wrap:wrap}
.num{display:inline-grid;place-items:center;width:28px;height:28px;border-radius:50%;background:var(--accent);color:#fff;font-size:14px}
.seed{font-size:12px;font-weight:500;color:var(--muted);border:1px solid var(--line);border-radius:20px;padding:1px 8px}
.intro{color:var(--muted);margin:4px 0 12px}
table{width:100%;border-collapse:collapse}
th,td{text-align:left;padding:8px 6px;border-top:1px solid var(--line);vertical-align:top}
th{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);border-top:0}
.badge{display:inline-block;border-radius:20px;padding:1px 10px;font-size:13px;font-weight:600;white-space:nowrap}
.badge.ok{background:var(--ok-bg);color:var(--ok)}
.badge.bad{background:var(--bad-bg);color:var(--bad)}
.badge.off{background:var(--off-bg);color:var(--off)}
code,pre{font:13px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
.copy{display:block;background:#0f1720;color:#e6edf3;border-radius:8px;padding:10px 12px;margin:4px 0 12px;
white-space:pre-wrap;word-break:break-all;user-select:all}
label.field{display:block;font-weight:600;margin-top:6px}
form{margin:12px 0 0}
button{font:inherit;font-weight:600;background:var(--accent);color:#fff;border:0;border-radius:8px;padding:8px 16px;cursor:pointer}
button:hover{filter:brightness(1.1)}
.result{border-radius:8px;padding:10px 14px;margin:12px 0 0}
.result[data-ok="true"]{background:var(--ok-bg);color:var(--ok)}
.result[data-ok="false"]{background:var(--bad-bg);color:var(--bad)}
.result ul{margin:6px 0 0;padding-left:18px;color:var(--ink)}
.figures{display:grid;grid-template-columns:repeat(auto-fit,minmax(105px,1fr));gap:10px;margin:8px 0 14px}
.figure{border:1px solid var(--line);border-radius:10px;padding:10px 12px}
.figure b{display:block;font-size:24px}
.figure span{color:var(--muted);font-size:13px}
.warn{color:var(--bad)}
.warn a{color:inherit}
.muted{color:var(--muted)}
dl{display:grid;grid-template-columns:max-content 1fr;gap:6px 16px;margin:8px 0 0}
dt{color:var(--muted)}dd{margin:0}
input[type=text],input[type=password],input[type=email],select{font:inherit;width:100%;max-width:520px;padding:6px 8px;border:1px solid #c9d0db;border-radius:6px;margin:2px 0}
input:disabled,select:disabled{background:var(--off-bg);color:var(--muted)}
.settings td:first-child{width:62%}
.src{font-size:12px;color:var(--muted)}
.src[data-source=wrangler]{color:var(--accent)}
.small{font-size:12px}
.opts label{margin-right:14px;font-size:13px;color:var(--muted)}
.tags{display:flex;gap:10px;align-items:center}
.tags .switch{white-space:nowrap}
.buttons{margin:12px 0 0}
button.secondary{background:#fff;color:var(--accent);border:1px solid var(--accent)}
.copy-btn{font-size:13px;padding:3px 10px;margin:-6px 0 12px;background:#fff;color:var(--accent);border:1px solid var(--line)}
.answer{margin-top:6px;color:var(--ink);font-size:13px}
nav.pages{margin:0 0 14px;display:flex;gap:16px}
nav.pages a{color:var(--accent)}
.nowrap{white-space:nowrap}
.filters{display:flex;flex-wrap:wrap;gap:10px;align-items:center;margin:10px 0}
.filters input[type=email]{width:240px}
.filters select{width:auto}
.chart{margin:6px 0 10px}
.legend{display:flex;flex-wrap:wrap;gap:12px;font-size:13px}
.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;vertical-align:middle}
td.answer{max-width:300px;word-break:break-word;font-size:13px}
.banner .detail{font-weight:400;margin-top:4px}
details.fold{background:var(--card);border:1px solid var(--line);border-radius:12px;margin:0 0 16px}
details.fold>summary{padding:14px 20px;cursor:pointer;font-size:18px;font-weight:700;display:flex;align-items:center;gap:10px;flex-wrap:wrap}
details.fold>section{border:0;margin:0;padding-top:0;background:none}
details.fold>section>h2{display:none}
td,dd,li{overflow-wrap:anywhere}
.scroll{overflow-x:auto;max-width:100%}
code.env{color:var(--muted);font-weight:400}
@media (max-width:640px){
.wrap{padding:0 10px}
header .wrap{padding:12px 10px;flex-wrap:wrap}
section{padding:14px 12px}
details.fold>summary{padding:12px}
table.settings,table.settings tbody,table.settings tr,table.settings td{display:block;width:auto}
.settings td:first-child{width:auto}
table.settings thead{display:none}
table.settings td{border-top:0;padding:4px 0}
table.settings tr{border-top:1px solid var(--line);padding:6px 0}
.tags{flex-wrap:wrap}
.filters input[type=email]{width:100%}
dl{grid-template-columns:1fr}
.scroll table{min-width:620px}
.scroll td{overflow-wrap:break-word}
nav.pages{flex-wrap:wrap}
}
`;

// The page's one script: copy buttons (data-copy = the id of the element whose text is copied), and the
// remembered state of the collapsible sections.
// Allowed by the CSP nonce; the page works without it (the texts are selectable).
const SCRIPT = `document.addEventListener('click',function(e){var b=e.target.closest&&e.target.closest('[data-copy]');if(!b)return;
var el=document.getElementById(b.getAttribute('data-copy'));if(!el)return;var text=el.textContent||'';
var done=function(){b.textContent=b.getAttribute('data-done')||'OK';b.setAttribute('data-copied','true')};
if(navigator.clipboard&&navigator.clipboard.writeText){navigator.clipboard.writeText(text).then(done,function(){})}
else{var r=document.createRange();r.selectNodeContents(el);var s=getSelection();s.removeAllRanges();s.addRange(r);document.execCommand('copy');done()}});
// Collapsible sections remember their state (open/closed) in this browser; a section the server opened
// (a refused field, an action's result) stays open; a link into a closed section opens it.
(function(){var K='sm-edge-setup-folds',m={};try{m=JSON.parse(localStorage.getItem(K)||'{}')||{}}catch(e){}
var all=document.querySelectorAll('details[data-fold]');
for(var i=0;i<all.length;i++){var d=all[i],id=d.getAttribute('data-fold');if(!d.hasAttribute('data-force')&&typeof m[id]==='boolean')d.open=m[id];
d.addEventListener('toggle',function(e){var f=e.target;m[f.getAttribute('data-fold')]=f.open;try{localStorage.setItem(K,JSON.stringify(m))}catch(x){}})}
function reveal(h){if(!h||h.length<2)return;var t=document.getElementById(decodeURIComponent(h.slice(1)));var p=t&&t.closest&&t.closest('details[data-fold]');if(p&&!p.open)p.open=true}
reveal(location.hash);addEventListener('hashchange',function(){reveal(location.hash)});
document.addEventListener('click',function(e){var a=e.target.closest&&e.target.closest('a[href^="#"]');if(a)reveal(a.getAttribute('href'))})})();`;

export function Layout(props: { lang: Lang; t: Messages; nonce: string; switchHref: string; children: Child }) {
  // (the language switch keeps the page: /setup/events?lang=en ↔ ?lang=pl)
  const { t } = props;
  return (
    <html lang={t.htmlLang}>
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{t.title}</title>
        <style nonce={props.nonce} dangerouslySetInnerHTML={{ __html: STYLE + CHART_STYLE }} />
      </head>
      <body>
        <header>
          <div class="wrap">
            <div>
              <h1>{t.title}</h1>
              <p class="sub">{t.subtitle}</p>
            </div>
            <nav class="lang">
              <a id="lang-switch" href={props.switchHref} hreflang={props.lang === 'pl' ? 'en' : 'pl'}>
                {t.langSwitch}
              </a>
            </nav>
          </div>
        </header>
        <main class="wrap">{props.children}</main>
        <script nonce={props.nonce} dangerouslySetInnerHTML={{ __html: SCRIPT }} />
      </body>
    </html>
  );
}
