// Behaviour every page shares, declared in the markup (the Content-Security-Policy runs no inline script or
// on* attribute): delegated from the document, so it also holds for what htmx swaps in.
//   <select data-autosubmit>            submits its form when changed (the language switch)
//   <form data-confirm="问题？">          asks before it is submitted
(function () {
  document.addEventListener("change", function (e) {
    if (e.target.matches("[data-autosubmit]") && e.target.form) e.target.form.submit();
  });
  document.addEventListener("submit", function (e) {
    const question = e.target.dataset && e.target.dataset.confirm;
    if (question && !window.confirm(question)) e.preventDefault();
  });
})();
