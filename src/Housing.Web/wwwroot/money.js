// Treasurer forms. A form marked data-once sends once: a double tap does not post twice (the server also
// answers a repeat with the first result, for the taps that get through, e.g. on a slow connection).
document.querySelectorAll('form[data-once]').forEach(form => form.addEventListener('submit', e => {
  if (form.dataset.sent) { e.preventDefault(); return; }
  form.dataset.sent = '1';
  form.querySelectorAll('button[type=submit]').forEach(b => b.setAttribute('aria-busy', 'true'));
}));
// Coming back with the browser's Back button shows the page from its cache: let the form send again.
window.addEventListener('pageshow', () => document.querySelectorAll('form[data-once]').forEach(f => delete f.dataset.sent));

// A photo input with data-thumbnail: draw a small JPEG of the chosen photo on the phone itself and put it in the
// hidden field, so the page's thumbnails load a few KB instead of the 5 MB original over a poor connection.
document.querySelectorAll('input[type=file][data-thumbnail]').forEach(input => input.addEventListener('change', async () => {
  const out = document.getElementById(input.dataset.thumbnail);
  out.value = '';
  const file = input.files[0];
  if (!file) return;
  try {
    const bitmap = await createImageBitmap(file);
    const scale = Math.min(1, 320 / Math.max(bitmap.width, bitmap.height));
    const canvas = document.createElement('canvas');
    canvas.width = Math.max(1, Math.round(bitmap.width * scale));
    canvas.height = Math.max(1, Math.round(bitmap.height * scale));
    canvas.getContext('2d').drawImage(bitmap, 0, 0, canvas.width, canvas.height);
    out.value = canvas.toDataURL('image/jpeg', 0.8);
  } catch {
    // No thumbnail: the server shows the photo itself, scaled by the browser.
  }
}));
