// Upload progress, then a busy bar while the server checks the rows; the answer replaces the page.
// Without script the form posts normally.
document.getElementById('import-form').addEventListener('submit', function (ev) {
    if (!window.FormData || !window.XMLHttpRequest) return;
    ev.preventDefault();
    var form = ev.target, box = document.getElementById('import-progress'), bar = box.querySelector('progress'), label = box.querySelector('span');
    box.hidden = false; form.querySelector('button').disabled = true; label.textContent = label.dataset.uploading;
    var xhr = new XMLHttpRequest();
    xhr.open('POST', location.pathname);
    xhr.upload.onprogress = function (e) { if (e.lengthComputable) bar.value = Math.round(e.loaded * 100 / e.total); };
    xhr.upload.onload = function () { bar.removeAttribute('value'); label.textContent = label.dataset.checking; };
    xhr.onload = function () { document.open(); document.write(xhr.responseText); document.close(); };
    xhr.send(new FormData(form));
});
