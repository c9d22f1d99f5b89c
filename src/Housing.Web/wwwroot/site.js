// Every page: the service worker, how old a kept page's figures are, Buddhist Era dates and amounts with thousands
// separators in the forms, photos shrunk on the phone, and the iOS notice. No framework, no build step.
(() => {
  'use strict';
  const body = document.body;
  const th = (body.dataset.lang || 'th') === 'th';
  const T = (t, e) => th ? t : e;
  const months = ['ม.ค.', 'ก.พ.', 'มี.ค.', 'เม.ย.', 'พ.ค.', 'มิ.ย.', 'ก.ค.', 'ส.ค.', 'ก.ย.', 'ต.ค.', 'พ.ย.', 'ธ.ค.'];
  const monthsEn = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

  /** "25,080.00", "25080", "1 000.5" → 25080 / 1000.5; anything else → null (the server then says what is wrong). */
  function parseMoney(s) {
    const t = String(s).replace(/[,\s฿]/g, '').replace(/บาท$/, '');
    return /^\d+(\.\d{1,2})?$/.test(t) ? Number(t) : (t === '' ? null : t);
  }
  const formatMoney = n => Number(n).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });

  /** A typed Buddhist Era date, d/m/BBBB (also d.m.BBBB, d-m-BBBB), or ISO yyyy-MM-dd → ISO for the server; else the text as it is. */
  function parseDate(s) {
    const t = String(s).trim();
    if (/^\d{4}-\d{2}-\d{2}$/.test(t)) return t;
    const m = /^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$/.exec(t);
    if (!m) return t === '' ? null : t;
    const d = Number(m[1]), mo = Number(m[2]), y = Number(m[3]) - 543;
    const date = new Date(Date.UTC(y, mo - 1, d));
    if (Number(m[3]) < 2400 || date.getUTCMonth() !== mo - 1 || date.getUTCDate() !== d) return t;
    return `${String(y).padStart(4, '0')}-${String(mo).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
  }
  /** ISO → "2/12/2569", as the server writes a date input's value. */
  function formatDate(iso) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || '');
    return m ? `${Number(m[3])}/${Number(m[2])}/${Number(m[1]) + 543}` : (iso || '');
  }
  function dateInWords(iso) {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || '');
    if (!m) return null;
    return th ? `${Number(m[3])} ${months[Number(m[2]) - 1]} ${Number(m[1]) + 543}` : `${Number(m[3])} ${monthsEn[Number(m[2]) - 1]} ${Number(m[1]) + 543} BE`;
  }

  /** A phone's photo, at most 1,600 px on its long side, as a JPEG at 80 %, and a 320 px thumbnail. A small picture
   *  (already within the limits) goes as it is, so nothing is lost to a second compression. */
  async function shrinkPhoto(file) {
    const out = { file, thumb: null };
    let bitmap;
    try { bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' }); } catch { return out; }
    const draw = async (side, always) => {
      const scale = Math.min(1, side / Math.max(bitmap.width, bitmap.height));
      if (scale === 1 && !always) return null;
      const canvas = document.createElement('canvas');
      canvas.width = Math.max(1, Math.round(bitmap.width * scale));
      canvas.height = Math.max(1, Math.round(bitmap.height * scale));
      canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
      return new Promise(resolve => canvas.toBlob(resolve, 'image/jpeg', 0.8));
    };
    const big = await draw(1600, file.size > 1024 * 1024);
    if (big) out.file = new File([big], 'photo.jpg', { type: 'image/jpeg' });
    out.thumb = await draw(320, true);
    return out;
  }

  window.Housing = { parseMoney, formatMoney, parseDate, formatDate, shrinkPhoto };

  /** A typed Buddhist Era month, m/BBBB (also m.BBBB, m-BBBB), or yyyy-MM → its name in words ("ธ.ค. 2569"); else null. */
  function monthInWords(s) {
    const t = String(s).trim();
    const iso = /^(\d{4})-(\d{2})$/.exec(t), be = /^(\d{1,2})[/.\-](\d{4})$/.exec(t);
    const [mo, y] = iso && Number(iso[1]) < 2400 ? [Number(iso[2]), Number(iso[1]) + 543] : be ? [Number(be[1]), Number(be[2])] : [0, 0];
    if (mo < 1 || mo > 12 || y < 2400 || y > 2700) return null;
    return th ? `${months[mo - 1]} ${y}` : `${monthsEn[mo - 1]} ${y} BE`;
  }

  // BE date inputs (d/m/BBBB) and month inputs (m/BBBB): what was typed shows beside in words, or what is wrong.
  const beInputs = [
    ['input[data-be-date]', s => dateInWords(parseDate(s)), T('เช่น 2/12/2569', 'e.g. 2/12/2569'), T('พิมพ์ วัน/เดือน/ปี พ.ศ. เช่น 2/12/2569', 'Type day/month/BE year, e.g. 2/12/2569'),
      input => { const iso = parseDate(input.value); if (dateInWords(iso)) input.value = formatDate(iso); }],
    ['input[data-be-month]', monthInWords, T('เช่น 12/2569', 'e.g. 12/2569'), T('พิมพ์ เดือน/ปี พ.ศ. เช่น 12/2569', 'Type month/BE year, e.g. 12/2569'),
      input => { const m = /^(\d{4})-(\d{2})$/.exec(input.value.trim()); if (m && monthInWords(input.value)) input.value = `${Number(m[2])}/${Number(m[1]) + 543}`; }],
  ];
  for (const [selector, words, example, wrong, tidy] of beInputs) {
    for (const input of document.querySelectorAll(selector)) {
      const hint = document.createElement('span');
      hint.className = 'muted be-hint';
      hint.setAttribute('aria-live', 'polite');
      input.after(hint);
      const show = () => {
        const said = words(input.value);
        hint.textContent = input.value.trim() === '' ? example : said ?? wrong;
        hint.classList.toggle('field-error', input.value.trim() !== '' && !said);
      };
      input.addEventListener('input', show);
      input.addEventListener('blur', () => { tidy(input); show(); });
      show();
    }
  }
  // Amounts: typed as people write them; shown back with separators.
  for (const input of document.querySelectorAll('input[data-money]')) {
    input.addEventListener('blur', () => { const n = parseMoney(input.value); if (typeof n === 'number') input.value = formatMoney(n); });
  }
  // A photo chosen in a plain upload form is shrunk before it goes (a 6 MB camera photo over a slow link, refused at 5 MB).
  for (const input of document.querySelectorAll('input[type=file][data-shrink]')) {
    input.addEventListener('change', async () => {
      const f = input.files[0];
      if (!f || !window.DataTransfer) return;
      const small = await shrinkPhoto(f);
      if (small.file !== f) { const dt = new DataTransfer(); dt.items.add(small.file); input.files = dt.files; }
    });
  }

  // A list that narrows the next (province → district → subdistrict) sends its form when picked; without a script the
  // search button does the same.
  for (const select of document.querySelectorAll('select[data-autosubmit]'))
    select.addEventListener('change', () => select.form?.requestSubmit());

  // A page kept on the phone says so, and how old its figures are.
  if (body.dataset.source === 'cache') {
    const at = Number(body.dataset.renderedAt);
    const minutes = Math.max(0, Math.round((Date.now() - at) / 60000));
    const age = minutes < 60 ? T(`${minutes} นาที`, `${minutes} min`) : minutes < 2880 ? T(`${Math.round(minutes / 60)} ชั่วโมง`, `${Math.round(minutes / 60)} h`) : T(`${Math.round(minutes / 1440)} วัน`, `${Math.round(minutes / 1440)} days`);
    const when = new Date(at).toLocaleString(th ? 'th-TH-u-ca-buddhist' : 'en-GB-u-ca-buddhist', { dateStyle: 'medium', timeStyle: 'short' });
    const n = document.createElement('div');
    n.className = 'offline-age'; n.dataset.testid = 'offline-age'; n.setAttribute('role', 'status');
    n.textContent = T(`ไม่มีสัญญาณ: ตัวเลขในหน้านี้เมื่อ ${when} (${age}ที่แล้ว) สิ่งที่บันทึกจะรอส่งในเครื่อง`,
      `Offline: the figures on this page are from ${when} (${age} ago). What you save waits on this phone.`);
    document.querySelector('main')?.prepend(n);
  }

  if ('serviceWorker' in navigator && body.dataset.user) navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch(() => {});
  // Signing out: the kept pages go (a shared phone), the outbox stays for its owner.
  document.querySelector('form[action="/Access/SignOut"]')?.addEventListener('submit', () => {
    navigator.serviceWorker?.controller?.postMessage('sign-out');
    if ('caches' in window) caches.delete('housing-pages');
  });

  // iOS drops a site's storage after 7 days unused unless it is on the home screen: say so once.
  const ios = /iPad|iPhone|iPod/.test(navigator.userAgent) || (navigator.platform === 'MacIntel' && navigator.maxTouchPoints > 1);
  const installed = window.matchMedia('(display-mode: standalone)').matches || navigator.standalone;
  if (ios && !installed && body.dataset.user && !localStorage.getItem('housing.ios-told')) {
    const n = document.createElement('div');
    n.className = 'notice'; n.dataset.testid = 'ios-install';
    n.textContent = T('บน iPhone/iPad ข้อมูลที่รอส่งอาจถูกลบถ้าไม่ได้เปิด 7 วัน: แตะ "แชร์" แล้ว "เพิ่มไปยังหน้าจอโฮม" เพื่อติดตั้งแอปนี้',
      'On an iPhone or iPad, entries waiting to be sent may be deleted after 7 days unused: tap Share, then "Add to Home Screen" to install.');
    const ok = document.createElement('button');
    ok.type = 'button'; ok.className = 'secondary'; ok.textContent = T('รับทราบ', 'OK');
    ok.addEventListener('click', () => n.remove());
    n.append(' ', ok);
    document.querySelector('main')?.prepend(n);
    localStorage.setItem('housing.ios-told', String(Date.now()));
  }
})();

// Tables turn into cards on a phone (site.css): each cell gets its column's header as a label.
for (const table of document.querySelectorAll('table:not(.changes):not(.keep-table)')) {
  const heads = [...table.querySelectorAll('thead th')].map(th => th.textContent.trim());
  for (const row of table.querySelectorAll('tbody tr, tfoot tr')) {
    let col = 0;
    for (const cell of row.children) {
      if (heads[col] && !cell.dataset.label) cell.dataset.label = heads[col];
      col += Number(cell.getAttribute('colspan')) || 1;
    }
  }
}
