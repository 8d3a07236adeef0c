// Filters the reports as one types; no server needed (file:// works). Same rule as analysis.run.index.search_key.
(function () {
  function key(text) {
    return text.replace(/đ/g, "d").replace(/Đ/g, "D").normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }
  var box = document.getElementById("q"), shown = document.getElementById("shown");
  function apply() {
    var words = key(box.value).split(/\s+/).filter(Boolean), count = 0;
    document.querySelectorAll("section.group").forEach(function (section) {
      var visible = 0;
      section.querySelectorAll("tr.report").forEach(function (row) {
        var hay = row.getAttribute("data-search"), hit = words.every(function (w) { return hay.indexOf(w) >= 0; });
        row.hidden = !hit; if (hit) { visible += 1; }
      });
      section.hidden = visible === 0; count += visible;
    });
    shown.textContent = count;
  }
  var q = new URLSearchParams(window.location.search).get("q");
  if (q) { box.value = q; }
  box.addEventListener("input", apply);
  apply();
})();
