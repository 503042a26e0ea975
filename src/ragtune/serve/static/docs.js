/* The documents panel: the files behind the index, upload, a new text document and delete. Each write is
   in the index when the server answers, so a question asked next sees it; the panel then shows the new
   index version. Uses the helpers page.js puts on `RT`; data enters the page as text only. */
"use strict";

(function () {
  const $ = (selector, root = document) => root.querySelector(selector);
  const DISARM_MS = 5000; // a "Really delete?" button goes back to "Delete" after this long

  /** The URL of a document: each path segment encoded, the `/` between them kept. */
  function docUrl(id) {
    return "/v1/documents/" + id.split("/").map(encodeURIComponent).join("/");
  }

  function size(bytes) {
    if (bytes < 1024) return `${bytes} B`;
    if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
    return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  }

  async function load() {
    const r = await RT.api("/v1/documents");
    const body = $("#docs tbody");
    if (!r.ok) {
      body.replaceChildren(emptyRow(r.status === 404 ? "This server has no documents folder." : r.message));
      setWritable(false);
      return false;
    }
    const list = r.data;
    RT.setVersion(list.index_version);
    $("#docs-folder").textContent = list.folder ? `folder ${list.folder} ·` : "";
    const reason = $("#docs-reason");
    reason.textContent = list.writable ? "" : `Read-only: ${list.reason || "the server does not accept writes."}`;
    reason.hidden = !!list.writable;
    const docs = list.data || [];
    body.replaceChildren(...(docs.length ? docs.map(row) : [emptyRow("No documents yet.")]));
    setWritable(!!list.writable);
    return true;
  }

  function emptyRow(message) {
    return RT.el("tr", { class: "empty" }, RT.el("td", { colspan: 5 }, message));
  }

  function row(doc) {
    const modified = doc.modified ? new Date(doc.modified * 1000) : null;
    const remove = RT.el("button", { type: "button", class: "delete", "aria-label": `Delete ${doc.id}` }, "Delete");
    remove.addEventListener("click", () => deleteClicked(remove, doc.id));
    return RT.el("tr", { "data-id": doc.id },
      RT.el("th", { scope: "row" }, RT.el("code", {}, doc.id)),
      RT.el("td", { class: "num" }, size(doc.bytes || 0)),
      RT.el("td", {}, modified ? RT.el("time", { datetime: modified.toISOString() }, modified.toLocaleString()) : "?"),
      RT.el("td", { class: "num" }, String(doc.chunks ?? "?")),
      RT.el("td", {}, remove));
  }

  let writable = false;

  function setWritable(on) {
    writable = on;
    for (const sel of ["#upload", "#new-save", "#upload-file", "#upload-id", "#new-id", "#new-text"]) $(sel).disabled = !on;
    for (const button of document.querySelectorAll("#docs button.delete")) button.disabled = !on;
  }

  /** First click arms the button ("Really delete?"), the second deletes: no dialog to get in the way. */
  function deleteClicked(button, id) {
    if (button.dataset.armed) return remove(button, id);
    button.dataset.armed = "1";
    button.classList.add("armed");
    button.textContent = "Really delete?";
    button.setAttribute("aria-label", `Really delete ${id}? Click again to delete.`);
    setTimeout(() => {
      if (!button.isConnected || !button.dataset.armed) return;
      delete button.dataset.armed;
      button.classList.remove("armed");
      button.textContent = "Delete";
      button.setAttribute("aria-label", `Delete ${id}`);
    }, DISARM_MS);
  }

  async function remove(button, id) {
    delete button.dataset.armed;
    button.disabled = true;
    button.textContent = "Deleting…";
    const r = await RT.api(docUrl(id), { method: "DELETE" });
    if (!r.ok) {
      button.disabled = false;
      button.textContent = "Delete";
      return RT.say(`Could not delete ${id}: ${r.message}`, "error");
    }
    await written(`Deleted ${id}`, r.data);
  }

  /** After a write: show the version that holds it, then the list as it is now. */
  async function written(what, reply) {
    RT.setVersion(reply.index_version);
    await load();
    const chunks = reply.chunks !== undefined ? ` (${reply.chunks} chunk${reply.chunks === 1 ? "" : "s"})` : "";
    RT.say(`${what}${chunks}: index version ${reply.index_version}.`);
  }

  async function upload(event) {
    event.preventDefault();
    if (!writable) return;
    const file = $("#upload-file").files[0];
    if (!file) return RT.say("Choose a file to upload.", "warn");
    const id = $("#upload-id").value.trim() || file.name;
    $("#upload").disabled = true;
    RT.say(`Uploading ${id}…`);
    const r = await RT.api(docUrl(id), { method: "PUT", body: file });
    $("#upload").disabled = !writable;
    if (!r.ok) return RT.say(`Could not upload ${id}: ${r.message}`, "error");
    $("#upload-form").reset();
    await written(`Saved ${r.data.id || id}`, r.data);
  }

  async function saveNew(event) {
    event.preventDefault();
    if (!writable) return;
    const id = $("#new-id").value.trim();
    const text = $("#new-text").value;
    if (!id) return RT.say("Give the new document an id, such as notes/new.md.", "warn");
    if (!text.trim()) return RT.say("Write the new document's text first.", "warn");
    $("#new-save").disabled = true;
    RT.say(`Saving ${id}…`);
    const r = await RT.api(docUrl(id), { method: "PUT", json: { text } });
    $("#new-save").disabled = !writable;
    if (!r.ok) return RT.say(`Could not save ${id}: ${r.message}`, "error");
    $("#new-form").reset();
    await written(`Saved ${r.data.id || id}`, r.data);
  }

  document.addEventListener("DOMContentLoaded", () => {
    $("#upload-form").addEventListener("submit", upload);
    $("#new-form").addEventListener("submit", saveNew);
    setWritable(false); // until the list says otherwise
  });

  RT.docs = { load, docUrl };
})();
