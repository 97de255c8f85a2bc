/* Drag a document from the dossier (rows with data-doc-id, or any link to /document/<id>) onto a case's drop zone
   (#case-drop): the id goes into the zone's document field and its "add" button is clicked — the same path as the
   keyboard fallback, so the server-side callback does the work (and the checks). No HTML is ever built here. */
(function () {
  "use strict";
  var TYPE = "application/x-dossier-doc";

  function docIdOf(el) {
    var row = el && el.closest ? el.closest("[data-doc-id]") : null;
    if (row) { return row.getAttribute("data-doc-id"); }
    var a = el && el.closest ? el.closest("a[href*='/document/']") : null;
    if (a) { return fromUrl(a.getAttribute("href")); }
    return null;
  }

  function fromUrl(text) {
    var m = /\/document\/([^?#\s]+)/.exec(String(text || ""));
    return m ? decodeURIComponent(m[1]) : null;
  }

  document.addEventListener("dragstart", function (ev) {
    var id = docIdOf(ev.target);
    if (id && ev.dataTransfer) {
      ev.dataTransfer.setData(TYPE, id);
      ev.dataTransfer.setData("text/plain", id);
      ev.dataTransfer.effectAllowed = "copyLink";
    }
  });

  function zoneOf(el) { return el && el.closest ? el.closest("#case-drop") : null; }

  document.addEventListener("dragover", function (ev) {
    var zone = zoneOf(ev.target);
    if (zone) { ev.preventDefault(); zone.classList.add("drag-over"); }
  });
  document.addEventListener("dragleave", function (ev) {
    var zone = zoneOf(ev.target);
    if (zone) { zone.classList.remove("drag-over"); }
  });
  document.addEventListener("drop", function (ev) {
    var zone = zoneOf(ev.target);
    if (!zone || !ev.dataTransfer) { return; }
    ev.preventDefault();
    zone.classList.remove("drag-over");
    var id = ev.dataTransfer.getData(TYPE) || fromUrl(ev.dataTransfer.getData("text/uri-list")) ||
      fromUrl(ev.dataTransfer.getData("text/plain")) || ev.dataTransfer.getData("text/plain");
    id = String(id || "").trim().slice(0, 100);
    var input = zone.querySelector("input.case-doc-input");
    var button = zone.querySelector("button.case-doc-add");
    if (!id || !input || !button) { return; }
    var setter = Object.getOwnPropertyDescriptor(window.HTMLInputElement.prototype, "value").set;
    setter.call(input, id);  /* React's own setter, so dash sees the change */
    input.dispatchEvent(new Event("input", { bubbles: true }));
    window.setTimeout(function () { button.click(); }, 50);
  });
})();
