// The outbox: what a treasurer saves goes first into IndexedDB on the phone, then to the server through the API, one
// entry at a time in the order saved. Each entry carries an Idempotency-Key made here at save time, so an entry whose
// answer was lost (timeout, dropped connection, a second tab) is sent again and the server answers the first row.
// Only one tab sends at a time (navigator.locks, or a lease in IndexedDB where there are no locks).
// An entry the server refuses (4xx) stays, with the server's message, until the treasurer fixes or drops it.
(() => {
  'use strict';
  if (!('indexedDB' in window)) return; // the forms then post as plain pages (the payment form still has its key)
  const body = document.body;
  const me = body.dataset.user || '';
  const th = (body.dataset.lang || 'th') === 'th';
  const T = (t, e) => th ? t : e;
  const JSON_TIMEOUT_MS = 30000, PHOTO_TIMEOUT_MS = 90000, RETRY_MS = 10000;
  const channel = 'BroadcastChannel' in window ? new BroadcastChannel('housing-outbox') : null;

  // ---- IndexedDB -------------------------------------------------------------------------------------------------
  let dbPromise;
  function db() {
    dbPromise ??= new Promise((resolve, reject) => {
      const open = indexedDB.open('housing-outbox', 1);
      open.onupgradeneeded = () => {
        open.result.createObjectStore('entries', { keyPath: 'id', autoIncrement: true });
        open.result.createObjectStore('lease');
      };
      open.onsuccess = () => resolve(open.result);
      open.onerror = () => reject(open.error);
    });
    return dbPromise;
  }
  async function tx(store, mode, fn) {
    const d = await db();
    return new Promise((resolve, reject) => {
      const t = d.transaction(store, mode);
      let result;
      Promise.resolve(fn(t.objectStore(store))).then(r => { result = r; });
      t.oncomplete = () => resolve(result);
      t.onerror = () => reject(t.error);
      t.onabort = () => reject(t.error);
    });
  }
  const req = r => new Promise((resolve, reject) => { r.onsuccess = () => resolve(r.result); r.onerror = () => reject(r.error); });
  const all = async () => (await tx('entries', 'readonly', s => req(s.getAll()))).filter(e => e.user === me).sort((a, b) => a.id - b.id);
  const get = id => tx('entries', 'readonly', s => req(s.get(id)));
  const put = e => tx('entries', 'readwrite', s => req(s.put(e)));
  const del = id => tx('entries', 'readwrite', s => req(s.delete(id)));
  const changed = () => { channel?.postMessage('changed'); render(); };

  // ---- one sender at a time --------------------------------------------------------------------------------------
  const tabId = Math.random().toString(36).slice(2);
  async function exclusive(fn) {
    if (navigator.locks) return navigator.locks.request('housing-outbox-send', { ifAvailable: true }, lock => lock ? fn() : null);
    // No Web Locks: a lease in IndexedDB, taken in one readwrite transaction (IndexedDB runs those one at a time).
    const now = Date.now();
    const got = await tx('lease', 'readwrite', async s => {
      const l = await req(s.get('send'));
      if (l && l.owner !== tabId && l.until > now) return false;
      s.put({ owner: tabId, until: now + 2 * PHOTO_TIMEOUT_MS }, 'send');
      return true;
    });
    if (!got) return null;
    try { return await fn(); } finally { await tx('lease', 'readwrite', s => s.delete('send')); }
  }

  let running = false;
  /** Sends what waits, oldest first. Resolves to { done: Map(entryId → server answer) } or null when another tab sends. */
  async function flush() {
    if (running) return null;
    running = true;
    try { return await exclusive(sendAll); } finally { running = false; render(); }
  }

  async function sendAll() {
    const done = new Map(), refused = new Map();
    for (;;) {
      const held = new Set();
      let next = null;
      for (const e of await all()) {
        if (e.status === 'refused') { held.add(e.scope); continue; }
        if (held.has(e.scope)) continue; // a later entry of a home whose earlier one was refused waits for it
        next = e; break;
      }
      if (!next) break;
      const r = await sendOne(next);
      if (r.ok) { await del(next.id); done.set(next.id, r.body); changed(); continue; }
      if (r.refused) {
        next.status = 'refused'; next.error = r.message; next.fields = r.fields;
        await put(next); refused.set(next.id, r); changed(); continue;
      }
      next.status = 'waiting'; next.tries = (next.tries || 0) + 1; next.lastError = r.message;
      await put(next);
      break; // the server cannot be reached (or asks to wait): keep the order, try again later
    }
    return { done, refused };
  }

  let token = null;
  const pageToken = () => document.querySelector('input[name=__RequestVerificationToken]')?.value;
  async function freshToken() {
    // The page may be one kept from days ago: a page fetched now carries a token for this sign-in.
    const res = await timed(fetch('/Ledgers', { cache: 'no-store', credentials: 'same-origin' }), JSON_TIMEOUT_MS);
    const m = /name="__RequestVerificationToken"[^>]*value="([^"]+)"/.exec(await res.text());
    token = m ? m[1] : token;
  }

  async function call(url, init, timeout) {
    for (let attempt = 0; ; attempt++) {
      const headers = new Headers(init.headers || {});
      headers.set('RequestVerificationToken', token || pageToken() || '');
      headers.set('Accept-Language', th ? 'th' : 'en');
      headers.set('Accept', 'application/json');
      const res = await timed(fetch(url, { ...init, headers, credentials: 'same-origin', cache: 'no-store' }), timeout);
      if (res.ok) return { ok: true, body: await res.json() };
      let problem = {};
      try { problem = await res.json(); } catch { /* not a problem body */ }
      if (res.status === 400 && !problem.errors && /RequestVerificationToken/.test(problem.detail || '') && attempt === 0) { await freshToken(); continue; }
      if (res.status === 401) return { ok: false, message: T('กรุณาเข้าสู่ระบบอีกครั้ง แล้วรายการจะถูกส่ง', 'Sign in again to send.') };
      if (res.status === 408 || res.status === 429 || res.status >= 500) return { ok: false, message: problem.detail || String(res.status) };
      const fields = problem.errors || {};
      const words = [problem.detail, ...Object.values(fields).flat()].filter(Boolean);
      return { ok: false, refused: true, status: res.status, message: [...new Set(words)].join(' ') || problem.title || String(res.status), fields };
    }
  }

  async function sendOne(e) {
    try {
      e.status = 'sending'; e.lastTry = Date.now(); await put(e);
      if (!(e.photos || []).length) return await call(e.url, { method: 'POST', body: JSON.stringify(e.body), headers: { 'Content-Type': 'application/json', 'Idempotency-Key': e.key } }, JSON_TIMEOUT_MS);
      // An entry with photos (a milestone's, a payment's receipt): the entry first, once, then each photo after it.
      if (!e.savedId) {
        const m = await call(e.url, { method: 'POST', body: JSON.stringify(e.body), headers: { 'Content-Type': 'application/json', 'Idempotency-Key': e.key } }, JSON_TIMEOUT_MS);
        if (!m.ok) return m;
        e.savedId = m.body.id; e.saved = m.body; await put(e);
      }
      // The same picture sent again to the same row is stored once (the server compares its SHA-256).
      for (let i = e.photosDone || 0; i < e.photos.length; i++) {
        const form = new FormData();
        form.append('file', e.photos[i].file, 'photo.jpg');
        if (e.photos[i].thumb && e.kind === 'milestone') form.append('thumbnail', e.photos[i].thumb, 'thumb.jpg');
        const to = e.kind === 'milestone' ? `/api/v1/milestones/${e.savedId}/photos` : `/api/v1/disbursements/${e.savedId}/receipt`;
        const p = await call(to, { method: 'POST', body: form }, PHOTO_TIMEOUT_MS);
        if (!p.ok) return p;
        e.photosDone = i + 1; await put(e);
      }
      return { ok: true, body: e.saved };
    } catch (err) {
      return { ok: false, message: String(err && err.message || err) };
    }
  }

  function timed(promise, ms) {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(T('เซิร์ฟเวอร์ไม่ตอบ', 'No answer from the server'))), ms);
      promise.then(v => { clearTimeout(t); resolve(v); }, err => { clearTimeout(t); reject(err); });
    });
  }

  // ---- the count, and the list to check and cancel ---------------------------------------------------------------
  const box = document.querySelector('[data-testid=outbox]');
  const armed = new Set(); // entries whose cancel was tapped once (the list is redrawn often)
  async function render() {
    if (!box) return;
    const entries = await all();
    box.hidden = entries.length === 0;
    box.querySelector('[data-outbox-count]').textContent = T(`รอส่ง ${entries.length} รายการ`, `${entries.length} waiting to send`);
    const bad = entries.filter(e => e.status === 'refused').length;
    box.classList.toggle('refused', bad > 0);
    const list = box.querySelector('[data-outbox-list]');
    list.replaceChildren(...entries.map(e => {
      const li = document.createElement('li');
      li.dataset.testid = 'outbox-entry';
      const title = document.createElement('strong');
      title.textContent = e.label;
      const when = document.createElement('div');
      when.className = 'muted';
      when.textContent = T('บันทึกเมื่อ ', 'Saved ') + new Date(e.createdAt).toLocaleString(th ? 'th-TH-u-ca-buddhist' : 'en-GB-u-ca-buddhist', { dateStyle: 'medium', timeStyle: 'short' })
        + ' · ' + (e.status === 'refused' ? T('ถูกปฏิเสธ', 'refused') : e.status === 'sending' ? T('กำลังส่ง', 'sending') : T('รอส่ง', 'waiting'));
      li.append(title, when);
      if (e.status === 'refused') {
        const err = document.createElement('p');
        err.className = 'field-error'; err.dataset.testid = 'outbox-error'; err.textContent = e.error;
        const fix = document.createElement('a');
        fix.className = 'button secondary'; fix.href = `${e.page}?fix=${e.id}`; fix.textContent = T('แก้ไข', 'Fix'); fix.dataset.testid = 'outbox-fix';
        li.append(err, fix);
      }
      const cancel = document.createElement('button');
      cancel.type = 'button'; cancel.className = 'secondary'; cancel.dataset.testid = 'outbox-cancel';
      cancel.textContent = armed.has(e.id) ? T('แตะอีกครั้งเพื่อยกเลิก', 'Tap again to cancel') : T('ยกเลิกรายการ', 'Cancel entry');
      cancel.addEventListener('click', async () => {
        // Two taps: a tap by mistake must not drop a payment.
        if (!armed.has(e.id)) { armed.add(e.id); cancel.textContent = T('แตะอีกครั้งเพื่อยกเลิก', 'Tap again to cancel'); return; }
        armed.delete(e.id);
        await del(e.id); changed();
      });
      li.append(cancel);
      return li;
    }));
  }
  channel?.addEventListener('message', render);

  // ---- forms that save into the outbox ---------------------------------------------------------------------------
  function value(el) {
    const v = el.value.trim();
    if (el.dataset.kind === 'money') return window.Housing.parseMoney(v);
    if (el.dataset.kind === 'date') return window.Housing.parseDate(v);
    return v === '' ? null : v;
  }

  function showResult(form, kind, text) {
    let n = form.parentElement.querySelector('[data-outbox-result]');
    if (!n) { n = document.createElement('div'); n.dataset.outboxResult = ''; form.before(n); }
    n.className = kind === 'error' ? 'alert' : 'notice';
    n.dataset.testid = kind === 'error' ? 'error' : 'queued';
    n.setAttribute('role', kind === 'error' ? 'alert' : 'status');
    n.textContent = text;
  }

  function nextStage(form, after) {
    const stages = JSON.parse(form.dataset.stages || '[]');
    const i = stages.findIndex(s => s.code === after);
    return i >= 0 && i + 1 < stages.length ? stages[i + 1] : null;
  }

  async function save(form) {
    const body = {};
    for (const el of form.querySelectorAll('[data-json]')) body[el.dataset.json] = value(el);
    const entry = {
      user: me, kind: form.dataset.outbox, url: form.dataset.url, scope: form.dataset.scope, page: location.pathname,
      key: crypto.randomUUID ? crypto.randomUUID() : `${Date.now()}-${Math.random().toString(36).slice(2)}`,
      createdAt: Date.now(), status: 'waiting', body, photos: [],
    };
    const earlier = (await all()).filter(e => e.scope === entry.scope && e.kind === 'milestone');
    if (entry.kind === 'milestone' && earlier.length && !form.dataset.fixing) {
      // Saved offline after another stage of this home still in the outbox: this one is the stage after that.
      const n = nextStage(form, earlier[earlier.length - 1].body.stage);
      if (n) body.stage = n.code;
    }
    const photo = form.querySelector('input[type=file][data-photo]');
    if (photo?.files[0]) entry.photos.push(await window.Housing.shrinkPhoto(photo.files[0]));
    const fixing = form.dataset.fixing ? await get(Number(form.dataset.fixing)) : null;
    if (fixing && !entry.photos.length) entry.photos = fixing.photos || [];
    entry.label = form.dataset.label + (body.amount != null ? ` · ${window.Housing.formatMoney(body.amount)} ${T('บาท', 'baht')}` : '')
      + (entry.kind === 'milestone' ? ` · ${(JSON.parse(form.dataset.stages || '[]').find(s => s.code === body.stage) || {}).name || body.stage}` : '');
    entry.id = await put(entry);
    if (fixing) { await del(fixing.id); delete form.dataset.fixing; }
    changed();
    return entry;
  }

  document.addEventListener('submit', async ev => {
    const form = ev.target.closest('form[data-outbox]');
    if (!form) return;
    ev.preventDefault();
    ev.stopImmediatePropagation(); // this handler sends once; the page's plain-post guard is not needed
    if (form.dataset.queuing) return; // a double tap
    form.dataset.queuing = '1';
    form.querySelectorAll('button[type=submit]').forEach(b => b.setAttribute('aria-busy', 'true'));
    try {
      const entry = await save(form);
      // Saved: the form is ready for the next entry at once, whatever the network does.
      for (const el of form.querySelectorAll('[data-json][data-clear], input[type=file]')) el.value = '';
      const r = await flush();
      if (r?.done.has(entry.id)) { location.assign(form.dataset.done.replace('{id}', r.done.get(entry.id).id)); return; }
      const refusal = r?.refused.get(entry.id);
      if (refusal) {
        // Refused while the treasurer is still on the form: the message goes beside it, and the entry leaves the
        // outbox, since the form still holds every figure to fix.
        await del(entry.id); changed();
        fill(form, entry.body);
        showResult(form, 'error', refusal.message);
        return;
      }
      showResult(form, 'queued', T('บันทึกไว้ในเครื่องแล้ว จะส่งเองเมื่อมีสัญญาณ', 'Saved on this phone: it will be sent when there is a connection.'));
      if (entry.kind === 'milestone') {
        const n = nextStage(form, entry.body.stage);
        const stage = form.querySelector('[data-json=stage]');
        if (n && stage) { stage.value = n.code; const label = document.querySelector('[data-testid=next-stage]'); if (label) label.textContent = n.name; }
      }
    } finally {
      delete form.dataset.queuing;
      form.querySelectorAll('button[type=submit]').forEach(b => b.removeAttribute('aria-busy'));
    }
  }, true);

  function fill(form, values) {
    for (const el of form.querySelectorAll('[data-json]')) {
      const v = values[el.dataset.json];
      el.value = v == null ? '' : el.dataset.kind === 'date' ? window.Housing.formatDate(v) : el.dataset.kind === 'money' ? window.Housing.formatMoney(v) : String(v);
    }
  }

  // A refused entry opened to be fixed: its figures back in the form.
  async function loadFix() {
    const id = Number(new URLSearchParams(location.search).get('fix'));
    if (!id) return;
    const e = await get(id);
    const form = document.querySelector(`form[data-outbox="${e?.kind}"]`);
    if (!e || !form) return;
    form.dataset.fixing = String(id);
    fill(form, e.body);
    showResult(form, 'error', e.error || '');
  }

  // Sending starts by itself: now, when the browser says it is online again, and on a timer (a phone often says
  // "online" with no way through, or the reverse).
  render().then(loadFix).then(() => flush());
  window.addEventListener('online', () => flush());
  document.addEventListener('visibilitychange', () => { if (document.visibilityState === 'visible') flush(); });
  setInterval(() => flush(), Number(body.dataset.outboxRetryMs) || RETRY_MS);
  box?.querySelector('[data-outbox-toggle]')?.addEventListener('click', () => { const l = box.querySelector('[data-outbox-list]'); l.hidden = !l.hidden; });
  window.Housing.outbox = { flush, all };
  performance.mark('housing-interactive'); // the forms save from here on (the figures in the README time this)
})();
