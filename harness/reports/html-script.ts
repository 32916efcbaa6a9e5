/**
 * The report page's only script, inlined (the page stays one file with no network access). It
 * reads the filter bar (status boxes, suite, class, id search) and hides rows that do not match;
 * without JavaScript every row shows, failures first. Rows carry data-status/suite/class/id.
 * `entryMatches` is the one predicate; tests run this exact text in a DOM (reports.test.ts).
 */
export const REPORT_SCRIPT = String.raw`
"use strict";
function entryMatches(row, f) {
  if (f.statuses.indexOf(row.status) < 0) return false;
  if (f.suite !== "" && row.suite !== f.suite) return false;
  if (f.cls !== "" && row.cls !== f.cls) return false;
  if (f.query !== "" && row.id.toLowerCase().indexOf(f.query.toLowerCase()) < 0) return false;
  return true;
}
function readFilter(doc) {
  var statuses = [];
  doc.querySelectorAll("#filters input[name=status]").forEach(function (b) { if (b.checked) statuses.push(b.value); });
  return { statuses: statuses, suite: doc.getElementById("f-suite").value, cls: doc.getElementById("f-class").value, query: doc.getElementById("f-search").value.trim() };
}
function applyFilter(doc) {
  var f = readFilter(doc);
  var rows = doc.querySelectorAll("#entries tbody tr");
  var shown = 0;
  rows.forEach(function (tr) {
    var ok = entryMatches({ status: tr.getAttribute("data-status"), suite: tr.getAttribute("data-suite"), cls: tr.getAttribute("data-class"), id: tr.getAttribute("data-id") }, f);
    tr.hidden = !ok;
    if (ok) shown++;
  });
  doc.getElementById("f-count").textContent = shown + " of " + rows.length + " entries shown";
  return shown;
}
function onlyStatuses(doc, list) {
  doc.querySelectorAll("#filters input[name=status]").forEach(function (b) { b.checked = list.indexOf(b.value) >= 0; });
  applyFilter(doc);
}
(function (doc) {
  var bar = doc.getElementById("filters");
  if (!bar) return;
  bar.hidden = false;
  bar.addEventListener("input", function () { applyFilter(doc); });
  bar.addEventListener("change", function () { applyFilter(doc); });
  doc.getElementById("f-problems").addEventListener("click", function () { onlyStatuses(doc, ["fail", "error", "xpass"]); });
  doc.getElementById("f-all").addEventListener("click", function () { onlyStatuses(doc, ["pass", "fail", "error", "xpass", "xfail", "skip"]); });
  applyFilter(doc);
})(document);
`;
