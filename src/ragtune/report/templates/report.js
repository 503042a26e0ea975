// The per-question filter: free text, one tag, and "only where variants disagree". Inline, no libraries.
(function () {
  var table = document.getElementById("table-questions");
  if (!table) { return; }
  var text = document.getElementById("q-filter-text");
  var tag = document.getElementById("q-filter-tag");
  var disagree = document.getElementById("q-filter-disagree");
  var count = document.getElementById("q-count");
  var rows = Array.prototype.slice.call(table.tBodies[0].rows);
  var haystacks = rows.map(function (r) { return r.textContent.toLowerCase(); });
  function apply() {
    var needle = text.value.trim().toLowerCase(), wanted = tag.value, only = disagree.checked, shown = 0;
    rows.forEach(function (r, i) {
      var keep = (!needle || haystacks[i].indexOf(needle) >= 0) &&
        (!wanted || r.getAttribute("data-tags").indexOf("|" + wanted + "|") >= 0) &&
        (!only || r.getAttribute("data-disagree") === "1");
      r.hidden = !keep;
      if (keep) { shown += 1; }
    });
    count.textContent = shown + " of " + rows.length + " questions";
  }
  text.addEventListener("input", apply);
  tag.addEventListener("change", apply);
  disagree.addEventListener("change", apply);
  apply();
})();
