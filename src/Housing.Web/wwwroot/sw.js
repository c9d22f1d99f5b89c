// Housing's service worker: the treasurer's pages open with no network once visited online.
// Pages: network first (the figures should be fresh), the copy kept from the last visit when the server cannot be
// reached. Scripts, styles and icons: the kept copy first, refreshed behind. Writes are never touched here: the
// outbox (outbox.js) sends them through the API with an Idempotency-Key, so a replay records nothing twice.
const VERSION = 'housing-v1';
const PAGES = 'housing-pages';
const ASSETS = 'housing-assets-' + VERSION;
const PRECACHE = ['/site.css', '/site.js', '/outbox.js', '/money.js', '/manifest.webmanifest', '/icons/icon-192.png'];
// The treasurer's pages that work offline: home, my projects, a project's homes, the payment, milestone and transfer
// forms, and the cash book.
const OFFLINE_PAGES = [/^\/$/, /^\/Ledgers\/?$/, /^\/Ledgers\/Project\/\d+$/, /^\/Ledgers\/CashBook\/\d+$/,
  /^\/Disbursements\/Record\/\d+$/, /^\/Milestones\/\d+$/, /^\/Transfers\/Record\/\d+$/];
// A server that accepts the connection and then says nothing is as good as none: give up on it after this.
const PAGE_TIMEOUT_MS = 6000;

self.addEventListener('install', event => {
  event.waitUntil(caches.open(ASSETS).then(c => c.addAll(PRECACHE)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', event => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) if (name.startsWith('housing-assets-') && name !== ASSETS) await caches.delete(name);
    await self.clients.claim();
  })());
});

self.addEventListener('message', event => {
  // Signing out empties the kept pages: the next person on a shared phone must not read them.
  if (event.data === 'sign-out') event.waitUntil(caches.delete(PAGES));
});

self.addEventListener('fetch', event => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  if (req.mode === 'navigate') {
    // Every page goes to the network first; only the treasurer's are kept. Another page offline says it is not here.
    if (!url.pathname.startsWith('/api/') && !url.pathname.startsWith('/hangfire')) event.respondWith(page(req, url, OFFLINE_PAGES.some(r => r.test(url.pathname))));
    return;
  }
  if (/^\/api\/v1\/photos\/\d+\/thumbnail$/.test(url.pathname)) { event.respondWith(keptFirst(req, PAGES)); return; }
  if (/\.(css|js|png|webmanifest)$/.test(url.pathname)) event.respondWith(keptFirst(req, ASSETS));
});

/** The page's key in the cache: "?saved=12" (the notice after a save) is the same page. */
function pageKey(url) {
  const u = new URL(url);
  u.searchParams.delete('saved');
  return u.toString();
}

async function page(req, url, keep) {
  const cache = await caches.open(PAGES);
  try {
    const res = await withTimeout(fetch(req), PAGE_TIMEOUT_MS);
    // Only a page the signed-in treasurer really got: not the sign-in page a lapsed cookie redirects to, not an error.
    if (keep && res.ok && !res.redirected && (res.headers.get('content-type') || '').startsWith('text/html'))
      await cache.put(pageKey(url), res.clone());
    return res;
  } catch {
    const kept = keep && await cache.match(pageKey(url));
    if (kept) {
      // The page says it came from the phone: its script then shows how old the figures are (data-rendered-at).
      const html = (await kept.text()).replace('data-source="network"', 'data-source="cache"');
      return new Response(html, { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' } });
    }
    return new Response(`<!DOCTYPE html><html lang="th"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>ออฟไลน์</title><link rel="stylesheet" href="/site.css"></head><body data-source="cache"><main>
<h1>ไม่มีสัญญาณ</h1><p data-testid="offline-missing">หน้านี้ยังไม่เคยเปิดขณะมีสัญญาณ จึงยังไม่มีในเครื่อง</p>
<p><a href="/Ledgers">โครงการของฉัน</a></p></main></body></html>`, { status: 503, headers: { 'content-type': 'text/html; charset=utf-8' } });
  }
}

async function keptFirst(req, name) {
  const cache = await caches.open(name);
  const kept = await cache.match(req);
  const fresh = fetch(req).then(res => { if (res.ok) cache.put(req, res.clone()); return res; });
  if (kept) { fresh.catch(() => {}); return kept; }
  try {
    return await fresh;
  } catch (e) {
    // A newer page may ask for /site.css?v=other: the copy of another version beats none.
    const any = await cache.match(req, { ignoreSearch: true });
    if (any) return any;
    throw e;
  }
}

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('timeout')), ms);
    promise.then(v => { clearTimeout(t); resolve(v); }, e => { clearTimeout(t); reject(e); });
  });
}
