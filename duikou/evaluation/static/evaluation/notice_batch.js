// Issuing notices to several pairings at once: 「全选」 ticks or clears every pairing listed (the list already narrowed
// by the filters), and the count of ticked pairings follows each change.
(function () {
  const form = document.getElementById("batch-form");
  const all = document.getElementById("select-all");
  const count = document.getElementById("batch-count");
  if (!form || !all) return;
  const boxes = function () { return Array.from(form.querySelectorAll("input.batch-pick")); };
  const update = function () {
    const picked = boxes().filter(function (b) { return b.checked; }).length;
    all.checked = picked > 0 && picked === boxes().length;
    all.indeterminate = picked > 0 && picked < boxes().length;
    if (count && count.dataset.template) {
      const words = picked === 1 && count.dataset.one ? count.dataset.one : count.dataset.template;  // "1 pairing"
      count.textContent = words.replace("{n}", String(picked));
    }
  };
  all.addEventListener("change", function () {
    boxes().forEach(function (b) { b.checked = all.checked; });
    update();
  });
  form.addEventListener("change", function (event) {
    if (event.target.classList.contains("batch-pick")) update();
  });
  update();
})();
