// pixelsvc review: cards, filters, keyboard navigation, frame view and accept/flag decisions.
// Data comes from data/index.js (window.REVIEW_INDEX); a card's regions from data/regions/<chunk>.js
// (100 cards each), loaded when a frame view first needs them. Decisions are kept in localStorage and exported as CSV.
"use strict";

(function () {
  const data = window.REVIEW_INDEX;
  const meta = data.meta;
  const cards = data.cards;
  const byId = new Map(cards.map((c) => [c.id, c]));
  const storeKey = "pixelsvc-review-" + meta.review_id;
  const decisions = loadDecisions();
  const regions = new Map();
  const state = { statuses: new Set(["failed", "redacted", "clean", "excluded"]), label: "", unknownKept: false,
                  undecided: false, visible: cards, page: 0, current: 0 };
  const viewer = { card: null, frame: 0, zoom: 1, fit: true, original: false };
  const $ = (id) => document.getElementById(id);

  function loadDecisions() {
    try {
      return new Map(Object.entries(JSON.parse(localStorage.getItem(storeKey) || "{}")).map(([k, v]) => [Number(k), v]));
    } catch (e) {
      return new Map();  // storage unavailable (some file:// settings): decisions last for this visit
    }
  }

  function saveDecisions() {
    try {
      localStorage.setItem(storeKey, JSON.stringify(Object.fromEntries(decisions)));
    } catch (e) { /* see loadDecisions */ }
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === "class") node.className = v;
      else if (k === "text") node.textContent = v;
      else if (k === "style") node.style.cssText = v;  // CSSOM, which the page's CSP allows
      else node.setAttribute(k, v);
    }
    for (const child of children) if (child) node.append(child);
    return node;
  }

  function imagePath(card, frame, kind) {
    const suffix = kind === "thumb" ? ".jpg" : kind === "original" ? ".orig.png" : ".png";
    return "img/" + card.key.slice(0, 2) + "/" + card.key + "/" + frame + suffix;
  }

  // --- counts at the top ---------------------------------------------------------------
  function renderCounts() {
    const c = data.counts;
    const box = $("counts");
    const group = (title, entries) => {
      const g = el("div", { class: "group" }, el("span", { class: "name", text: title }));
      for (const [name, value, colour] of entries) {
        const item = el("span", {}, el("b", { text: String(value) }), " " + name);
        if (colour) item.prepend(el("i", { class: "swatch", style: "background:" + colour }));
        g.append(item);
      }
      return g;
    };
    box.append(group("files", [["files", c.files], ["frames", c.frames], ["frames with text", c.text_frames]]));
    box.append(group("status", Object.entries(c.statuses)));
    box.append(group("regions", [["regions", c.regions], ["masked", c.masked], ["kept", c.kept]]));
    box.append(group("by label", Object.entries(c.regions_by_label).map(([k, v]) => [k, v, meta.label_colours[k]])));
    const failures = Object.entries(c.failures_by_reason);
    if (failures.length) box.append(group("failures by reason", failures.map(([k, v]) => [k, v])));
    const select = $("label-filter");
    for (const label of Object.keys(c.regions_by_label)) select.append(el("option", { value: label, text: label }));
  }

  // --- filters and pages ---------------------------------------------------------------
  function applyFilters(keepCurrent) {
    const currentId = state.visible[state.current] ? state.visible[state.current].id : null;
    state.visible = cards.filter((c) => state.statuses.has(c.status)
      && (!state.label || c.labels[state.label])
      && (!state.unknownKept || c.unknown_kept)
      && (!state.undecided || !decisions.has(c.id)));
    const at = keepCurrent ? state.visible.findIndex((c) => c.id === currentId) : -1;
    state.current = at >= 0 ? at : 0;
    state.page = Math.floor(state.current / meta.page_size);
    renderPage();
  }

  function pageCount() { return Math.max(1, Math.ceil(state.visible.length / meta.page_size)); }

  function renderPage() {
    const main = $("cards");
    main.replaceChildren();
    const start = state.page * meta.page_size;
    const slice = state.visible.slice(start, start + meta.page_size);
    if (!slice.length) main.append(el("p", { class: "empty", text: "No file matches these filters." }));
    for (const card of slice) main.append(renderCard(card));
    $("page-info").textContent = "page " + (state.page + 1) + " of " + pageCount() + " \u00b7 "
      + state.visible.length + " of " + cards.length + " files shown";
    renderDecided();
    markCurrent(false);
  }

  function renderCard(card) {
    const decision = decisions.get(card.id) || "";
    const node = el("article", { class: "card status-" + card.status + (decision ? " decision-" + decision : ""),
                                 "data-id": String(card.id), "data-status": card.status });
    const head = el("header", {}, el("span", { class: "num", text: "#" + card.id }),
      el("span", { class: "badge " + card.status, text: card.status }),
      card.unknown_kept ? el("span", { class: "badge unknown-kept", text: "unknown text kept" }) : null,
      decision ? el("span", { class: "badge decision", text: decision === "flag" ? "flagged" : "accepted" }) : null,
      el("span", { class: "reason", text: card.reason }));
    for (const [label, n] of Object.entries(card.labels)) {
      const chip = el("span", { class: "chip" }, el("i", { style: "background:" + (meta.label_colours[label] || "#999") }),
        label + " " + n);
      head.append(chip);
    }
    node.append(head);
    if (card.text_frames.length && !card.image_error) {
      const strip = el("div", { class: "thumbs" });
      for (const frame of card.text_frames) {
        const fig = el("figure", { "data-frame": String(frame) },
          el("img", { src: imagePath(card, frame, "thumb"), loading: "lazy", alt: "frame " + frame }),
          el("figcaption", { text: "frame " + frame }));
        fig.addEventListener("click", () => openViewer(card, frame));
        strip.append(fig);
      }
      node.append(strip);
    } else if (card.image_error) {
      node.append(el("p", { class: "reason", text: card.image_error }));
    }
    const accept = el("button", { type: "button", class: "accept", text: "Accept (a)" });
    const flag = el("button", { type: "button", class: "flag", text: "Flag (f)" });
    accept.addEventListener("click", () => decide(card, "accept"));
    flag.addEventListener("click", () => decide(card, "flag"));
    const where = card.input ? card.input : card.output ? shortPath(card.output) : "no output (report line " + card.id + ")";
    node.append(el("footer", {}, accept, flag,
      el("span", { class: "where", text: card.frames + " frames \u00b7 " + where })));
    node.addEventListener("click", (event) => {
      if (event.target.closest("button, figure")) return;
      const index = state.visible.indexOf(card);
      if (index >= 0) { state.current = index; markCurrent(false); }
    });
    return node;
  }

  function shortPath(path) {  // pseudonym/study/series/sop.dcm: the study and series UIDs are in the CSV
    const parts = path.split("/");
    return parts.length > 2 ? parts[0] + "/\u2026/" + parts[parts.length - 1] : path;
  }

  function markCurrent(scroll) {
    const current = state.visible[state.current];
    for (const node of document.querySelectorAll(".card.current")) node.classList.remove("current");
    if (!current) return;
    const node = document.querySelector('.card[data-id="' + current.id + '"]');
    if (node) {
      node.classList.add("current");
      if (scroll) node.scrollIntoView({ block: "nearest" });
    }
  }

  function move(step) {
    if (!state.visible.length) return;
    state.current = Math.min(state.visible.length - 1, Math.max(0, state.current + step));
    const page = Math.floor(state.current / meta.page_size);
    if (page !== state.page) { state.page = page; renderPage(); }
    markCurrent(true);
  }

  function turnPage(step) {
    const page = Math.min(pageCount() - 1, Math.max(0, state.page + step));
    if (page === state.page) return;
    state.page = page;
    state.current = page * meta.page_size;
    renderPage();
    window.scrollTo(0, 0);
  }

  // --- decisions -----------------------------------------------------------------------
  function decide(card, decision) {
    if (decisions.get(card.id) === decision) decisions.delete(card.id); else decisions.set(card.id, decision);
    saveDecisions();
    const node = document.querySelector('.card[data-id="' + card.id + '"]');
    if (node) node.replaceWith(renderCard(card));
    markCurrent(false);
    renderDecided();
  }

  function renderDecided() {
    let flagged = 0;
    for (const v of decisions.values()) if (v === "flag") flagged += 1;
    $("decided").textContent = decisions.size + " decided (" + flagged + " flagged) ";
  }

  function csvField(value) {
    const text = value === null || value === undefined ? "" : String(value);
    return /[",\n\r]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }

  function exportCsv() {
    const header = ["report_line", "status", "decision", "frames", "masked", "kept", "unknown_text_kept",
                    "output"];
    if (meta.with_originals) header.push("input");
    const rows = [header.join(",")];
    for (const c of cards) {
      const row = [c.id, c.status, decisions.get(c.id) || "", c.frames, c.masked, c.kept, c.unknown_kept ? "yes" : "no",
                   c.output];
      if (meta.with_originals) row.push(c.input);
      rows.push(row.map(csvField).join(","));
    }
    const blob = new Blob([rows.join("\n") + "\n"], { type: "text/csv" });
    const link = el("a", { href: URL.createObjectURL(blob), download: "review-" + meta.review_id + ".csv" });
    document.body.append(link);
    link.click();
    link.remove();
  }

  // --- frame view ----------------------------------------------------------------------
  function openViewer(card, frame) {
    viewer.card = card;
    viewer.frame = frame;
    viewer.fit = true;
    viewer.original = false;
    $("viewer").hidden = false;
    $("viewer-original").hidden = !meta.with_originals;
    if (!regions.has(card.id)) {
      const chunk = Math.floor((card.id - 1) / meta.region_chunk);
      const script = el("script", { src: "data/regions/" + chunk + ".js" });
      script.addEventListener("load", () => { script.remove(); if (viewer.card === card) renderRegions(); });
      document.body.append(script);
    }
    showFrame();
  }

  function closeViewer() {
    $("viewer").hidden = true;
    viewer.card = null;
  }

  function showFrame() {
    const card = viewer.card;
    const img = $("viewer-img");
    img.src = imagePath(card, viewer.frame, viewer.original ? "original" : "view");
    img.alt = (viewer.original ? "original" : "de-identified") + " frame " + viewer.frame;
    const position = card.text_frames.indexOf(viewer.frame) + 1;
    $("viewer-title").textContent = "#" + card.id + " \u00b7 frame " + viewer.frame + " (" + position + " of "
      + card.text_frames.length + " with text)" + (viewer.original ? " \u00b7 ORIGINAL" : " \u00b7 de-identified");
    renderRegions();
    applyZoom();
  }

  function stepFrame(step) {
    const frames = viewer.card.text_frames;
    const at = Math.min(frames.length - 1, Math.max(0, frames.indexOf(viewer.frame) + step));
    viewer.frame = frames[at];
    showFrame();
  }

  function applyZoom() {
    const img = $("viewer-img");
    const natural = img.naturalWidth;
    if (!natural) { img.onload = () => applyZoom(); return; }
    if (viewer.fit) viewer.zoom = Math.min(1, $("viewer-image").clientWidth / natural);
    img.style.width = Math.round(natural * viewer.zoom) + "px";
    $("zoom-level").textContent = Math.round(viewer.zoom * 100) + "%";
  }

  function zoom(factor) {
    viewer.fit = false;
    viewer.zoom = Math.min(8, Math.max(0.1, viewer.zoom * factor));
    applyZoom();
  }

  function renderRegions() {
    const body = $("viewer-regions").tBodies[0];
    body.replaceChildren();
    const list = regions.get(viewer.card.id);
    if (!list) return;
    let number = 0;
    for (const [frame, x0, y0, x1, y1, label, rule, masked, confidence] of list) {
      if (frame !== viewer.frame) continue;
      number += 1;
      body.append(el("tr", { class: masked ? "masked" : "kept" },
        el("td", { text: String(number) }),
        el("td", {}, el("i", { class: "swatch", style: "background:" + (meta.label_colours[label] || "#999") }), label),
        el("td", { text: rule }),
        el("td", { text: masked ? "masked" : "KEPT" }),
        el("td", { text: confidence.toFixed(2) }),
        el("td", { text: x0 + "," + y0 + " " + (x1 - x0) + "\u00d7" + (y1 - y0) })));
    }
  }

  window.reviewRegions = function (chunk) {
    for (const [id, list] of Object.entries(chunk)) regions.set(Number(id), list);
  };

  // --- wiring --------------------------------------------------------------------------
  function onKey(event) {
    if (event.target.matches && event.target.matches("select, textarea, input:not([type=checkbox])")) return;
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    const key = event.key;
    if (!$("viewer").hidden) {
      const actions = { Escape: closeViewer, ArrowRight: () => stepFrame(1), ArrowLeft: () => stepFrame(-1),
                        "+": () => zoom(1.25), "=": () => zoom(1.25), "-": () => zoom(0.8),
                        "0": () => { viewer.fit = true; applyZoom(); },
                        o: () => { if (meta.with_originals) { viewer.original = !viewer.original; showFrame(); } },
                        a: () => decide(viewer.card, "accept"), f: () => decide(viewer.card, "flag") };
      if (actions[key]) { actions[key](); event.preventDefault(); }
      return;
    }
    const current = state.visible[state.current];
    const actions = { j: () => move(1), ArrowDown: () => move(1), k: () => move(-1), ArrowUp: () => move(-1),
                      n: () => turnPage(1), p: () => turnPage(-1),
                      a: () => current && decide(current, "accept"), f: () => current && decide(current, "flag"),
                      Enter: () => current && current.text_frames.length && !current.image_error
                        && openViewer(current, current.text_frames[0]) };
    if (actions[key]) { actions[key](); event.preventDefault(); }
  }

  function wire() {
    if (meta.with_originals) $("banner").hidden = false;
    for (const box of document.querySelectorAll('input[name="status"]')) {
      box.addEventListener("change", () => {
        if (box.checked) state.statuses.add(box.value); else state.statuses.delete(box.value);
        applyFilters(true);
      });
    }
    $("label-filter").addEventListener("change", (e) => { state.label = e.target.value; applyFilters(true); });
    $("unknown-kept").addEventListener("change", (e) => { state.unknownKept = e.target.checked; applyFilters(true); });
    $("undecided").addEventListener("change", (e) => { state.undecided = e.target.checked; applyFilters(true); });
    $("export").addEventListener("click", exportCsv);
    $("prev-page").addEventListener("click", () => turnPage(-1));
    $("next-page").addEventListener("click", () => turnPage(1));
    $("viewer-close").addEventListener("click", closeViewer);
    $("viewer-prev").addEventListener("click", () => stepFrame(-1));
    $("viewer-next").addEventListener("click", () => stepFrame(1));
    $("zoom-in").addEventListener("click", () => zoom(1.25));
    $("zoom-out").addEventListener("click", () => zoom(0.8));
    $("zoom-fit").addEventListener("click", () => { viewer.fit = true; applyZoom(); });
    $("viewer-original").addEventListener("click", () => { viewer.original = !viewer.original; showFrame(); });
    $("viewer-image").addEventListener("wheel", (event) => {
      if (!event.ctrlKey) return;
      event.preventDefault();
      zoom(event.deltaY < 0 ? 1.25 : 0.8);
    }, { passive: false });
    document.addEventListener("keydown", onKey);
    window.addEventListener("resize", () => { if (viewer.card && viewer.fit) applyZoom(); });
  }

  // checked state survives a reload in some browsers: start from what the boxes say
  for (const box of document.querySelectorAll('input[name="status"]')) if (!box.checked) state.statuses.delete(box.value);
  renderCounts();
  wire();
  applyFilters(false);
  window.pixelsvcReview = { state, decisions, viewer };  // for the browser test and the curious
})();
