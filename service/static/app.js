// citeqa's two pages: the search page (/) and the document view (/documents/{id}).
// Every datum from the API reaches the page as a text node or an attribute value, never as markup:
// a stored document that contains "<script>" must show those characters, not run them.
"use strict";

(() => {
  // ---- small DOM and API helpers ----

  /** An element with properties/attributes set and children appended (strings become text nodes). */
  function el(tag, props = {}, ...children) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.className = value;
      else if (key.startsWith("aria-") || key.startsWith("data-")) node.setAttribute(key, String(value));
      else node[key] = value;
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === "") continue;
      node.append(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  function encodeId(id) {
    // Ids may be paths ("2022/jan/story"): keep the slashes, escape everything else.
    return id.split("/").map(encodeURIComponent).join("/");
  }

  /** The document view of `docId`, optionally with a passage range and a sentence range to highlight. */
  function documentUrl(docId, passage) {
    const url = new URL("/documents/" + encodeId(docId), location.origin);
    if (passage) {
      url.searchParams.set("start", passage.start);
      url.searchParams.set("end", passage.end);
      if (passage.highlight) {
        url.searchParams.set("hs", passage.start + passage.highlight.start);
        url.searchParams.set("he", passage.start + passage.highlight.end);
      }
    }
    return url.pathname + url.search;
  }

  /** The API's `detail` (a string, or pydantic's list of {loc, msg}) as one readable line. */
  function describeError(status, body) {
    const detail = body && body.detail;
    if (typeof detail === "string" && detail) return detail;
    if (Array.isArray(detail) && detail.length) {
      return detail
        .map((item) => {
          const where = (item.loc || []).filter((part) => part !== "body").join(" › ");
          return where ? `${where}: ${item.msg}` : String(item.msg);
        })
        .join("; ");
    }
    return `The server answered HTTP ${status}.`;
  }

  async function api(path, { body, signal } = {}) {
    const init = { headers: { Accept: "application/json" }, signal };
    if (body !== undefined) {
      init.method = "POST";
      init.headers["Content-Type"] = "application/json";
      init.body = JSON.stringify(body);
    }
    let response;
    try {
      response = await fetch(path, init);
    } catch (error) {
      if (error.name === "AbortError") throw error;
      throw new Error("Could not reach the citeqa service. Is it still running?");
    }
    const data = await response.json().catch(() => null);
    if (!response.ok) throw new Error(describeError(response.status, data));
    return data;
  }

  function showError(message) {
    const box = document.getElementById("error");
    box.replaceChildren(el("strong", {}, "Error: "), message);
    box.hidden = !message;
  }

  function hideError() {
    document.getElementById("error").hidden = true;
  }

  /** "TASS · 2022-01-10 · 002_d96…": only the metadata the document actually carries. */
  function metaLine(item, ...extra) {
    return [item.source, item.date, ...extra].filter(Boolean).join(" · ");
  }

  /** `text` with [start, end) wrapped in `wrapper`; returns nodes. Out-of-range spans are ignored. */
  function withSpan(text, start, end, wrapper) {
    if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start < end && end <= text.length)) {
      return [text];
    }
    return [text.slice(0, start), wrapper(text.slice(start, end)), text.slice(end)];
  }

  // ---- the search page ----

  const form = () => document.getElementById("ask");

  function readForm() {
    const f = form();
    const sources = [...f.querySelectorAll('input[name="source"]:checked')].map((box) => box.value);
    return {
      question: f.question.value.trim(),
      k: Number.parseInt(f.k.value, 10) || 5,
      date_from: f.date_from.value || null,
      date_to: f.date_to.value || null,
      sources,
    };
  }

  function toRequest(query) {
    const filters = {};
    if (query.sources.length) filters.source = query.sources;
    if (query.date_from) filters.date_from = query.date_from;
    if (query.date_to) filters.date_to = query.date_to;
    const body = { question: query.question, k: query.k };
    if (Object.keys(filters).length) body.filters = filters;
    return body;
  }

  // The query lives in the address bar, so Back from a document view, reloads and shared links all work.
  function toSearchParams(query) {
    const params = new URLSearchParams({ q: query.question, k: String(query.k) });
    if (query.date_from) params.set("from", query.date_from);
    if (query.date_to) params.set("to", query.date_to);
    for (const source of query.sources) params.append("source", source);
    return params;
  }

  function fillForm(params) {
    const f = form();
    f.question.value = params.get("q") || "";
    const k = Number.parseInt(params.get("k") || "", 10);
    f.k.value = k >= 1 && k <= 50 ? String(k) : "5";
    f.date_from.value = params.get("from") || "";
    f.date_to.value = params.get("to") || "";
    const wanted = new Set(params.getAll("source"));
    for (const box of f.querySelectorAll('input[name="source"]')) box.checked = wanted.has(box.value);
    if (wanted.size || f.date_from.value || f.date_to.value) document.getElementById("options").open = true;
  }

  async function loadSources() {
    const fieldset = document.getElementById("sources");
    const note = document.getElementById("sources-note");
    try {
      const listing = await api("/v1/documents");
      const sources = [...new Set(listing.documents.map((doc) => doc.source).filter(Boolean))].sort();
      if (!sources.length) {
        note.textContent = "No document in the index records its source.";
        return;
      }
      note.remove();
      for (const source of sources) {
        const box = el("input", { type: "checkbox", name: "source", value: source });
        fieldset.append(el("label", { class: "check" }, box, " ", source));
      }
    } catch (error) {
      note.textContent = `Sources unavailable: ${error.message}`;
    }
  }

  function citationLink(passage) {
    const label = `Source ${passage.rank}: ${passage.title || passage.doc_id}`;
    return el("a", { class: "cite", href: documentUrl(passage.doc_id, passage), "aria-label": label }, `[${passage.rank}]`);
  }

  function renderAnswer(result) {
    const { answer, passages } = result;
    if (!answer) {
      return el(
        "div",
        { class: "answer answer-none" },
        el("h2", {}, "No supported answer in the corpus"),
        el(
          "p",
          {},
          passages.length
            ? "None of the passages states an answer. The nearest ones are listed below so you can judge for yourself."
            : "No passage matches this question and these filters."
        )
      );
    }
    const cited = answer.citations.map((index) => passages[index]).filter(Boolean);
    const markers = cited.flatMap((passage) => [" ", citationLink(passage)]);
    const confidence = `confidence ${answer.confidence.toFixed(2)}`;
    return el(
      "div",
      { class: "answer" },
      el("h2", {}, "Answer"),
      el("p", { class: "answer-text" }, answer.text, ...markers),
      el("p", { class: "meta" }, confidence, el("span", { class: "took" }, ` · ${result.took_ms.toFixed(0)} ms`))
    );
  }

  function renderPassage(passage, cited) {
    const h = passage.highlight;
    const text = h
      ? withSpan(passage.text, h.start, h.end, (part) => el("mark", {}, part))
      : [passage.text];
    const also = passage.also_in.length
      ? el(
          "p",
          { class: "also" },
          "Also reported in: ",
          passage.also_in.flatMap((docId, i) => [i ? ", " : "", el("a", { href: documentUrl(docId) }, docId)])
        )
      : null;
    const s = passage.scores;
    const scores = [
      `score ${passage.score.toFixed(4)}`,
      s.dense !== null ? `dense ${s.dense.toFixed(3)}` : "",
      s.lexical !== null ? `lexical ${s.lexical.toFixed(2)}` : "",
      `${passage.tokens} tokens`,
      `chars ${passage.start}–${passage.end}`,
    ].filter(Boolean);
    return el(
      "li",
      { class: cited ? "passage cited" : "passage", id: `passage-${passage.rank}` },
      el(
        "div",
        { class: "passage-head" },
        el("span", { class: "rank", "aria-hidden": "true" }, `[${passage.rank}]`),
        el(
          "h3",
          {},
          el("a", { href: documentUrl(passage.doc_id, passage) }, passage.title || passage.doc_id)
        ),
        cited ? el("span", { class: "badge" }, "cited") : null
      ),
      el("p", { class: "meta" }, metaLine(passage, passage.title ? passage.doc_id : "")),
      el("blockquote", { class: "passage-text" }, text),
      also,
      el("p", { class: "scores" }, scores.join(" · "))
    );
  }

  function render(result) {
    const cited = new Set(result.answer ? result.answer.citations : []);
    const heading = result.answer ? "Passages" : "Nearest passages";
    const list = el("ol", { class: "passages" }, result.passages.map((p, i) => renderPassage(p, cited.has(i))));
    document
      .getElementById("results")
      .replaceChildren(renderAnswer(result), result.passages.length ? el("h2", { class: "section" }, heading) : "", list);
  }

  let inFlight = null;

  async function runQuery(query) {
    const status = document.getElementById("status");
    const results = document.getElementById("results");
    if (inFlight) inFlight.abort();
    const controller = new AbortController();
    inFlight = controller;
    hideError();
    status.textContent = "Searching…";
    results.setAttribute("aria-busy", "true");
    try {
      const result = await api("/v1/query", { body: toRequest(query), signal: controller.signal });
      render(result);
      status.textContent = "";
    } catch (error) {
      if (error.name === "AbortError") return;
      status.textContent = "";
      results.replaceChildren();
      showError(error.message);
    } finally {
      if (inFlight === controller) {
        inFlight = null;
        results.removeAttribute("aria-busy");
      }
    }
  }

  function fromAddressBar() {
    const params = new URLSearchParams(location.search);
    fillForm(params);
    const query = readForm();
    if (query.question) runQuery(query);
    else document.getElementById("results").replaceChildren();
  }

  async function initSearch() {
    let asked = false;
    form().addEventListener("submit", (event) => {
      event.preventDefault();
      const query = readForm();
      if (!query.question) return;
      asked = true;
      const search = "?" + toSearchParams(query).toString();
      if (search !== location.search) history.pushState(null, "", search);
      runQuery(query);
    });
    window.addEventListener("popstate", fromAddressBar);
    const typedEarly = () => {
      const typed = form().question.value.trim();
      return typed !== "" && typed !== (new URLSearchParams(location.search).get("q") || "").trim();
    };
    await loadSources();
    // What the reader typed or asked while the source list was loading stands: replaying the address bar
    // now would overwrite the form (or clear the results). The address bar wins only on an untouched page.
    if (!asked && !typedEarly()) fromAddressBar();
  }

  // ---- the document view: /documents/{id}?start=&end= (passage) &hs=&he= (supporting sentence) ----

  function intParam(params, name) {
    const raw = params.get(name);
    return raw !== null && /^\d+$/.test(raw) ? Number(raw) : null;
  }

  function safeUrl(raw) {
    // Only web links become clickable: a stored "javascript:" URL must stay inert text.
    try {
      const url = new URL(raw);
      return url.protocol === "http:" || url.protocol === "https:" ? url.href : null;
    } catch {
      return null;
    }
  }

  function renderDocumentText(text, params) {
    const [start, end] = [intParam(params, "start"), intParam(params, "end")];
    const [hs, he] = [intParam(params, "hs"), intParam(params, "he")];
    const sentence = (part, offset) =>
      hs !== null && he !== null && hs >= offset && he <= offset + part.length
        ? withSpan(part, hs - offset, he - offset, (inner) => el("mark", { class: "sentence" }, inner))
        : [part];
    return withSpan(text, start, end, (part) =>
      el("mark", { class: "passage-range", id: "passage", tabIndex: -1 }, sentence(part, start))
    );
  }

  function documentIdFromPath() {
    const rest = location.pathname.replace(/^\/documents\//, "");
    return rest.split("/").map(decodeURIComponent).join("/");
  }

  async function initDocument() {
    const back = document.getElementById("back");
    back.addEventListener("click", (event) => {
      // Coming from the search page, go back to it so its results are still there.
      if (document.referrer && new URL(document.referrer).origin === location.origin && history.length > 1) {
        event.preventDefault();
        history.back();
      }
    });
    const status = document.getElementById("status");
    const docId = documentIdFromPath();
    try {
      const doc = await api("/v1/documents/" + encodeId(docId));
      const params = new URLSearchParams(location.search);
      document.title = `${doc.title || doc.id} — citeqa`;
      document.getElementById("doc-title").textContent = doc.title || doc.id;
      const link = doc.url && safeUrl(doc.url);
      const meta = document.getElementById("doc-meta");
      meta.replaceChildren(metaLine(doc, doc.title ? doc.id : "", `${doc.chunks} passage${doc.chunks === 1 ? "" : "s"}`));
      if (link) meta.append(" · ", el("a", { href: link, rel: "noopener noreferrer" }, "original"));
      else if (doc.url) meta.append(" · ", doc.url);
      document.getElementById("doc-text").replaceChildren(...renderDocumentText(doc.text, params));
      document.getElementById("document").hidden = false;
      const mark = document.getElementById("passage");
      status.textContent = mark ? "The cited passage is highlighted." : "";
      if (mark) {
        mark.focus({ preventScroll: true });
        mark.scrollIntoView({ block: "center" });
      }
    } catch (error) {
      status.textContent = "";
      showError(error.message);
    }
  }

  document.addEventListener("DOMContentLoaded", () => {
    if (document.body.dataset.page === "document") initDocument();
    else initSearch();
  });
})();
