// The indicator entry grid: Enter moves to the same column of the next row (each input carries data-col and
// data-idx), and leaves the last row.
document.addEventListener("keydown", function (e) {
  if (e.key !== "Enter" || !e.target.matches("#grid input")) return;
  e.preventDefault();
  var t = e.target, next = document.querySelector('#grid input[data-col="' + t.dataset.col + '"][data-idx="' + (Number(t.dataset.idx) + 1) + '"]');
  if (next) { next.focus(); next.select(); } else { t.blur(); }
});
