// Show only the fields of the chosen activity kind (each typed field carries data-kinds="visit training ...").
(function () {
  const form = document.getElementById("activity-form");
  if (!form) return;
  const kind = form.querySelector("select[name=kind]");
  function update() {
    form.querySelectorAll("[data-kinds]").forEach(function (el) {
      const kinds = el.getAttribute("data-kinds").split(" ");
      el.parentElement.hidden = !kinds.includes(kind.value);
    });
  }
  kind.addEventListener("change", update);
  update();
})();
