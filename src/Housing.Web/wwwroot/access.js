// Users and audit pages: a list marked data-autosubmit sends its form when changed (a province picked fills the
// districts or projects below it). Without scripts, the button beside it does the same.
document.querySelectorAll('select[data-autosubmit]').forEach(select => select.addEventListener('change', () => {
  const button = select.form.querySelector(select.dataset.autosubmit);
  if (button) select.form.requestSubmit(button); else select.form.requestSubmit();
}));
