"""The spawn form's inline CSS and JavaScript (nothing is fetched from elsewhere).

Part of the hub module: ``hubpolicy_hooks`` imports it; copy every ``hub/*.py`` file together.
The script uses plain DOM calls (no jQuery) and puts text in with ``textContent`` only. It keeps
the custom image field for the "custom" entry, checks it against the pattern, shows the chosen
image's description and size's resources, and asks ``data-preview-url`` (the hub's
``PreviewHandler``) for the preview whenever a choice changes, setting ``data-state`` of
``#hubpolicy-preview`` to ``loading`` meanwhile and to ``ok``, ``denied`` or ``error`` after.
"""

STYLE = (
    "#hubpolicy-form fieldset{border:1px solid #ddd;border-radius:4px;padding:0 12px 4px;"
    "margin:0 0 15px}"
    "#hubpolicy-form legend{font-size:inherit;font-weight:bold;width:auto;border:0;"
    "padding:0 4px;margin:0 0 4px}"
    "#hubpolicy-preview{border:1px solid #ddd;border-radius:4px;background:#f7f7f7;"
    "padding:8px 12px}"
    "#hubpolicy-preview[data-state=denied]{border-color:#d9534f;background:#fdf2f2}"
    "#hubpolicy-preview[data-state=error]{border-color:#f0ad4e;background:#fdf8ee}"
    "#hubpolicy-preview[data-state=loading]{opacity:.6}"
    "#hubpolicy-preview dl{margin:0}"
    "#hubpolicy-preview dt{float:left;clear:left;width:7.5em;font-weight:bold}"
    "#hubpolicy-preview dd{margin-left:8em;overflow-wrap:anywhere}"
)

# Plain DOM (no jQuery, nothing fetched from elsewhere). Text goes in with textContent only.
SCRIPT = r"""
(function () {
  "use strict";
  var root = document.getElementById("hubpolicy-form");
  var preview = document.getElementById("hubpolicy-preview");
  if (!root || !preview || !window.fetch || !window.URLSearchParams) { return; }
  function el(id) { return document.getElementById(id); }
  var image = el("hubpolicy-image"), custom = el("hubpolicy-custom-image");
  var customGroup = el("hubpolicy-custom-image-group");
  var CUSTOM = root.getAttribute("data-custom");
  var pattern = custom ? custom.getAttribute("data-pattern") : "";
  var regex = null;
  try { regex = pattern ? new RegExp("^(?:" + pattern + ")$") : null; } catch (e) { regex = null; }
  var seq = 0, timer = null;

  function isCustom() { return !!(image && custom && image.value === CUSTOM); }
  function help(select, helpId) {
    var h = el(helpId);
    if (select && h && select.selectedIndex >= 0) {
      h.textContent = select.options[select.selectedIndex].getAttribute("data-help") || "";
    }
  }
  function checkCustom() {
    if (!custom) { return ""; }
    var v = custom.value.trim(), msg = "";
    if (isCustom()) {
      if (!v) { msg = "Enter the custom image."; }
      else if (regex && !regex.test(v)) { msg = "The image must match " + pattern; }
    }
    custom.setCustomValidity(msg);
    return msg;
  }
  function syncCustom() {
    if (!custom) { return; }
    var on = isCustom();
    customGroup.hidden = !on;
    custom.disabled = !on;
    custom.required = on;
    checkCustom();
  }
  function show(state, items) {
    var dl = document.createElement("dl");
    dl.className = "hubpolicy-summary";
    (items || []).forEach(function (item) {
      var dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = item.label;
      dd.textContent = item.text;
      dl.appendChild(dt);
      dl.appendChild(dd);
    });
    while (preview.firstChild) { preview.removeChild(preview.firstChild); }
    preview.appendChild(dl);
    preview.setAttribute("data-state", state);
    preview.removeAttribute("aria-busy");
  }
  function value(id) { var c = el(id); return c && !c.disabled ? c.value : null; }
  function refresh() {
    clearTimeout(timer);
    var problem = checkCustom();
    if (problem) { seq++; show("error", [{label: "Custom image", text: problem}]); return; }
    var q = new URLSearchParams();
    q.set("user", root.getAttribute("data-user") || "");
    q.set("server", root.getAttribute("data-server") || "");
    if (image) { q.set("image", isCustom() ? custom.value.trim() : image.value); }
    [["size", "hubpolicy-size"], ["gpu", "hubpolicy-gpu"], ["gpuType", "hubpolicy-gpu-type"]]
      .forEach(function (p) { var v = value(p[1]); if (v !== null) { q.set(p[0], v); } });
    var mine = ++seq;
    preview.setAttribute("data-state", "loading");
    preview.setAttribute("aria-busy", "true");
    fetch(root.getAttribute("data-preview-url") + "?" + q.toString(),
          {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) {
        return r.json().then(function (b) { return {status: r.status, body: b}; },
                             function () { return {status: r.status, body: null}; });
      })
      .then(function (res) {
        if (mine !== seq) { return; }
        if (res.body && res.body.state && res.body.summary) {
          show(res.body.state, res.body.summary);
          return;
        }
        var text = "unavailable (HTTP " + res.status + ")";
        if (res.status === 404) { text += ": the hub has no hubpolicy_hooks.PreviewHandler"; }
        show("error", [{label: "Preview", text: text}]);
      }, function (e) {
        if (mine === seq) { show("error", [{label: "Preview", text: "unavailable: " + e}]); }
      });
  }
  function changed() {
    var selects = root.querySelectorAll("select");
    for (var i = 0; i < selects.length; i++) {
      var o = selects[i].options[selects[i].selectedIndex];
      if (o && !o.defaultSelected) { return true; }
    }
    return !!(custom && custom.value !== custom.defaultValue);
  }
  if (image) {
    image.addEventListener("change", function () {
      syncCustom();
      help(image, "hubpolicy-image-help");
      refresh();
    });
  }
  if (custom) {
    custom.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 400);
    });
  }
  var size = el("hubpolicy-size");
  if (size) {
    size.addEventListener("change", function () { help(size, "hubpolicy-size-help"); refresh(); });
  }
  ["hubpolicy-gpu", "hubpolicy-gpu-type"].forEach(function (id) {
    var c = el(id);
    if (c) { c.addEventListener("change", refresh); }
  });
  syncCustom();
  help(image, "hubpolicy-image-help");
  help(size, "hubpolicy-size-help");
  if (changed()) { refresh(); }  // choices the browser restored, e.g. after going back
})();
"""
