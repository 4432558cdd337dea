// Issuing a rectification notice: choosing another pairing reloads the form with that pairing's organisations
// as responsible units (the form carries its run in data-run).
(function () {
  const form = document.getElementById("issue-form");
  const select = document.getElementById("id_pairing");
  if (!form || !select) return;
  select.addEventListener("change", function () {
    if (select.value) window.location.search = "?run=" + encodeURIComponent(form.dataset.run) + "&pairing=" + encodeURIComponent(select.value);
  });
})();
