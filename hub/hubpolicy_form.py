"""The spawn form: HTML from hubpolicy's options, form data back to choices, the preview's text.

Pure functions, no I/O: ``hubpolicy_hooks`` fetches ``GET /v1/options`` and calls these. Part of
the hub module; copy every ``hub/*.py`` file together. Every string that reaches HTML goes
through ``esc`` (names, display names, descriptions, saved values, reasons, patterns).
"""

import html
import re

from hubpolicy_form_script import SCRIPT, STYLE
from hubpolicy_http import HubPolicyError, option

CUSTOM = "__custom__"  # the image list's entry for an image that is not in it
PREVIEW_PATH = "hubpolicy/preview"  # under the hub's base URL, e.g. /hub/hubpolicy/preview
ENV_FIELD = "env:"  # form field of a variable: env:NAME
FORGET_FIELD = "env-forget:"  # checkbox that drops a stored secret: env-forget:NAME
SCHEDULING_NOTES = {
    "unschedulable": "cannot be scheduled now",
    "incomplete": "may not fit on any node",
}


class FormError(HubPolicyError):
    """A choice the form cannot take; JupyterHub shows the message above the form again."""

    def __init__(self, message):
        super().__init__(message, 400)


def esc(value):
    return html.escape("" if value is None else str(value), quote=True)


class Choices:
    """What ``GET /v1/options`` lets this user choose, and what is preselected."""

    def __init__(self, options):
        options = options if isinstance(options, dict) else {}
        block = options.get("images") if isinstance(options.get("images"), dict) else {}
        self.images = [i for i in _dicts(block.get("images")) if isinstance(i.get("name"), str)]
        self.image_names = [i["name"] for i in self.images]
        unlisted = options.get("unlistedImage")
        self.unlisted = unlisted if isinstance(unlisted, dict) else None
        self.pattern = str(self.unlisted.get("pattern") or "") if self.unlisted else ""
        self.sizes = [s for s in _dicts(options.get("sizes")) if isinstance(s.get("name"), str)]
        self.size_names = [s["name"] for s in self.sizes]
        gpu = options.get("gpu") if isinstance(options.get("gpu"), dict) else {}
        self.gpu_max = _int(gpu.get("max")) or 0
        choices = [_int(c) for c in gpu.get("choices") or []]
        self.gpu_choices = [c for c in choices if c is not None] or list(range(self.gpu_max + 1))
        self.gpu_types = [str(t) for t in gpu.get("types") or []]
        env = options.get("envVarConfig") if isinstance(options.get("envVarConfig"), dict) else {}
        self.categories = _dicts(env.get("categories")) if env.get("enabled") else []
        self.variables = {}  # name -> type, in the form's order
        for category in self.categories:
            for var in _dicts(category.get("variables")):
                if isinstance(var.get("name"), str) and var["name"]:
                    self.variables[var["name"]] = str(var.get("type") or "text")
        prefs = options.get("preferences") if isinstance(options.get("preferences"), dict) else {}
        self.preferences = prefs
        self.saved_env = {e["name"]: e for e in _dicts(prefs.get("env")) if "name" in e}
        selected = options.get("selected") if isinstance(options.get("selected"), dict) else {}
        self.image = selected.get("image") or prefs.get("image") or block.get("default")
        if self.image is None and self.images:
            self.image = next((i["name"] for i in self.images if i.get("default")), None)
        self.size = selected.get("size", prefs.get("size"))
        gpu_selected = _int(selected.get("gpu", prefs.get("gpu")))
        self.gpu = gpu_selected if gpu_selected is not None else _int(gpu.get("default")) or 0
        self.gpu_type = selected.get("gpuType") or gpu.get("defaultType")
        self.decision = options.get("decision")

    @property
    def offers_gpu(self):
        return self.gpu_max > 0 and len(self.gpu_choices) > 1

    @property
    def custom_selected(self):
        return bool(self.unlisted and self.image and self.image not in self.image_names)


def _dicts(value):
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


def _int(value):
    try:
        return int(value) if value is not None and not isinstance(value, bool) else None
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------------------------------------
# What a decision gives, in words (the preview)


def resources_text(requests, limits):
    """``requests: cpu 1, memory 2Gi; limits: cpu 2, memory 4Gi``"""
    parts = []
    for label, values in (("requests", requests), ("limits", limits)):
        if isinstance(values, dict) and values:
            parts.append(label + ": " + ", ".join(f"{k} {v}" for k, v in values.items()))
    return "; ".join(parts) or "none set"


def size_resources(size):
    """A size's flat ``requests.cpu``-style resources as requests and limits."""
    requests, limits = {}, {}
    for key, value in (size.get("resources") or {}).items():
        section, _, name = str(key).partition(".")
        if section == "requests":
            requests[name] = value
        elif section == "limits":
            limits[name] = value
    return resources_text(requests, limits)


def summary(decision):
    """(state, [{label, text}]) of a decision: what the server will get, or why it is denied.

    Variables are named, never valued (a profile's literal value may be a secret too).
    """
    if not isinstance(decision, dict):
        return "error", [{"label": "Preview", "text": "hubpolicy gave no decision"}]
    if decision.get("allowed") is False:
        reasons = "; ".join(str(r) for r in decision.get("reasons") or []) or "denied by policy"
        return "denied", [{"label": "Denied", "text": reasons}]
    resources = decision.get("resources") if isinstance(decision.get("resources"), dict) else {}
    env = [e for e in _dicts(decision.get("env")) if e.get("name")]
    lines = [
        ("Image", decision.get("image") or "the hub's default"),
        ("Size", decision.get("size") or "none"),
        ("Resources", resources_text(resources.get("requests"), resources.get("limits"))),
    ]
    if _int(decision.get("gpu")):
        lines.append(("GPUs", str(decision["gpu"])))
    lines.append(("Environment", ", ".join(str(e["name"]) for e in env) or "nothing added"))
    services = decision.get("services")
    lines.append(("Services", ", ".join(map(str, services)) if services else "none"))
    # Rules being rolled out in warn mode: what they would do, so users hear of it first.
    for w in _dicts(decision.get("warnings")):
        lines.append(("Policy warning", f"{w.get('reason')} (rule {w.get('rule')})"))
    for e in _dicts(decision.get("exceptions")):
        lines.append(("Exception", f"{e.get('name')}: {e.get('reason')} (until {e.get('until')})"))
    return "ok", [{"label": label, "text": str(text)} for label, text in lines]


def summary_html(state, items):
    rows = "".join(f"<dt>{esc(i['label'])}</dt><dd>{esc(i['text'])}</dd>" for i in items)
    return f'<dl class="hubpolicy-summary">{rows}</dl>'


# ---------------------------------------------------------------------------------------------
# The form


def render(options, *, preview_url, user, server):
    """The HTML of the spawn form (inside JupyterHub's own ``<form>``, before its Start button)."""
    c = Choices(options)
    parts = [
        f"<style>{STYLE}</style>",
        f'<div id="hubpolicy-form" data-preview-url="{esc(preview_url)}" data-user="{esc(user)}"'
        f' data-server="{esc(server)}" data-custom="{CUSTOM}">',
    ]
    parts += _image_controls(c)
    if c.sizes:
        parts += _size_controls(c)
    if c.offers_gpu:
        parts += _gpu_controls(c)
    for category in c.categories:
        parts += _env_controls(c, category)
    state, items = summary(c.decision)
    parts += [
        '<div class="form-group">',
        '<h4 id="hubpolicy-preview-title">What the server will get</h4>',
        f'<div id="hubpolicy-preview" data-state="{state}" role="status" aria-live="polite"'
        f' aria-labelledby="hubpolicy-preview-title">{summary_html(state, items)}</div>',
        '<noscript><p class="help-block form-text">This is for the choices preselected above;'
        " with JavaScript it follows your changes.</p></noscript>",
        "</div>",
        "</div>",
        f"<script>{SCRIPT}</script>",
    ]
    return "\n".join(parts)


def render_unavailable(message, spawn_unmodified):
    """The form when hubpolicy cannot be asked: says why; Start still tries (and says it again)."""
    then = (
        "The server starts with the hub's defaults."
        if spawn_unmodified
        else "Starting a server will fail until it is back."
    )
    return (
        f'<div id="hubpolicy-form"><div id="hubpolicy-preview" data-state="error" role="status"'
        f' class="alert alert-danger">{esc(message)}. {esc(then)}</div></div>'
    )


def _help(text, ident):
    return f'<p class="help-block form-text" id="{esc(ident)}">{esc(text)}</p>'


def _image_controls(c):
    if not c.images and not c.unlisted:
        return []
    options = []
    for image in c.images:
        name, shown = image["name"], image.get("displayName") or image["name"]
        label = shown if shown == name else f"{shown} ({name})"
        chosen = " selected" if name == c.image else ""
        text = image.get("description") or ""
        options.append(
            f'<option value="{esc(name)}" data-help="{esc(text)}" title="{esc(text)}"{chosen}>'
            f"{esc(label)}</option>"
        )
    selected = next((i for i in c.images if i["name"] == c.image), None)
    description = (selected or {}).get("description") or ""
    out = ['<div class="form-group">', '<label for="hubpolicy-image">Image</label>']
    if c.unlisted:
        custom_name = c.unlisted.get("displayName") or "Custom image"
        chosen = " selected" if c.custom_selected else ""
        options.append(f'<option value="{CUSTOM}" data-help=""{chosen}>{esc(custom_name)}</option>')
    out += [
        '<select class="form-control" id="hubpolicy-image" name="image"'
        ' aria-describedby="hubpolicy-image-help">',
        *options,
        "</select>",
        _help(description, "hubpolicy-image-help"),
        "</div>",
    ]
    if c.unlisted:
        value = c.image if c.custom_selected else ""
        out += [
            '<div class="form-group" id="hubpolicy-custom-image-group">',
            f'<label for="hubpolicy-custom-image">{esc(custom_name)}</label>',
            f'<input type="text" class="form-control" id="hubpolicy-custom-image"'
            f' name="custom_image" value="{esc(value)}" data-pattern="{esc(c.pattern)}"'
            ' autocomplete="off" spellcheck="false"'
            ' aria-describedby="hubpolicy-custom-image-help">',
            _help(
                f"Used when “{custom_name}” is chosen above."
                + (f" It must match {c.pattern}" if c.pattern else ""),
                "hubpolicy-custom-image-help",
            ),
            "</div>",
        ]
    return out


def size_help(size):
    note = SCHEDULING_NOTES.get(size.get("schedulable"))
    reason = size.get("reason")
    text = size_resources(size)
    if note:
        text += f". Note: {note}" + (f" ({reason})" if reason else "")
    return text


def _size_controls(c):
    options = [f'<option value="" data-help="No size: the profiles\' resources"'
               f'{" selected" if not c.size else ""}>Default</option>']
    for size in c.sizes:
        note = SCHEDULING_NOTES.get(size.get("schedulable"))
        label = size["name"] + (f" — {note}" if note else "")
        chosen = " selected" if size["name"] == c.size else ""
        options.append(
            f'<option value="{esc(size["name"])}" data-help="{esc(size_help(size))}"'
            f' data-schedulable="{esc(size.get("schedulable") or "unknown")}"{chosen}>'
            f"{esc(label)}</option>"
        )
    selected = next((s for s in c.sizes if s["name"] == c.size), None)
    text = size_help(selected) if selected else "No size: the profiles' resources"
    return [
        '<div class="form-group">',
        '<label for="hubpolicy-size">Size</label>',
        '<select class="form-control" id="hubpolicy-size" name="size"'
        ' aria-describedby="hubpolicy-size-help">',
        *options,
        "</select>",
        _help(text, "hubpolicy-size-help"),
        "</div>",
    ]


def _gpu_controls(c):
    options = [
        f'<option value="{n}"{" selected" if n == c.gpu else ""}>{n if n else "None"}</option>'
        for n in c.gpu_choices
    ]
    out = [
        '<div class="form-group">',
        '<label for="hubpolicy-gpu">GPUs</label>',
        '<select class="form-control" id="hubpolicy-gpu" name="gpu">',
        *options,
        "</select>",
        "</div>",
    ]
    if len(c.gpu_types) > 1:
        types = [
            f'<option value="{esc(t)}"{" selected" if t == c.gpu_type else ""}>{esc(t)}</option>'
            for t in c.gpu_types
        ]
        out += [
            '<div class="form-group">',
            '<label for="hubpolicy-gpu-type">GPU type</label>',
            '<select class="form-control" id="hubpolicy-gpu-type" name="gpuType">',
            *types,
            "</select>",
            "</div>",
        ]
    return out


def _env_controls(c, category):
    legend = esc(category.get("name") or "")
    out = ['<fieldset class="hubpolicy-env">', f"<legend>{legend}</legend>"]
    for var in _dicts(category.get("variables")):
        name = var.get("name")
        if not isinstance(name, str) or not name:
            continue
        ident = esc("hubpolicy-env-" + name)
        saved = c.saved_env.get(name) or {}
        out += ['<div class="form-group">', f'<label for="{ident}">{esc(name)}</label>']
        if c.variables.get(name) == "password":
            stored = bool(saved.get("stored") or (saved.get("secret") and "value" not in saved))
            out.append(
                f'<input type="password" class="form-control" id="{ident}"'
                f' name="{esc(ENV_FIELD + name)}" autocomplete="new-password"'
                + (' placeholder="stored"' if stored else "")
                + f' aria-describedby="{ident}-help">'
            )
            if stored:
                forget = esc("hubpolicy-env-forget-" + name)
                out += [
                    _help("stored — leave empty to keep it", f"hubpolicy-env-{name}-help"),
                    f'<div class="checkbox"><label for="{forget}"><input type="checkbox"'
                    f' id="{forget}" name="{esc(FORGET_FIELD + name)}" value="1">'
                    " Forget the stored value</label></div>",
                ]
            else:
                text = "kept as a secret, never shown again"
                out.append(_help(text, f"hubpolicy-env-{name}-help"))
        else:
            value = saved.get("value") if not saved.get("secret") else ""
            out.append(
                f'<input type="text" class="form-control" id="{ident}"'
                f' name="{esc(ENV_FIELD + name)}" value="{esc(value)}">'
            )
        out.append("</div>")
    out.append("</fieldset>")
    return out


# ---------------------------------------------------------------------------------------------
# Form data back: the user's choices and the preferences to save


def custom_image_problem(pattern, image):
    """Why ``image`` may not be used as the custom image, or None (the whole image must match)."""
    if not pattern:
        return None
    try:
        compiled = re.compile(pattern)
    except re.error:
        return None  # a pattern Python does not read: hubpolicy decides
    if compiled.fullmatch(image):
        return None
    return f"the custom image {image!r} does not match {pattern}"


def parse(formdata, options):
    """(user_options, preferences body) from the submitted form, checked against ``options``.

    ``options`` None (hubpolicy unavailable): the choices are taken as they are and nothing is
    saved (the preferences body is None). Raises ``FormError`` with a message for the user.
    """
    c = Choices(options)
    known = options is not None
    image = option(formdata.get("image"), "image")
    if image == CUSTOM:
        if known and not c.unlisted:
            raise FormError("a custom image is not one of your choices")
        image = (option(formdata.get("custom_image"), "custom image") or "").strip()
        if not image:
            raise FormError("enter the custom image, or choose an image from the list")
        problem = custom_image_problem(c.pattern, image) if known else None
        if problem:
            raise FormError(problem)
    elif image is not None and known and image not in c.image_names:
        raise FormError(f"the image {image!r} is not one of your choices")
    size = option(formdata.get("size"), "size")
    if size is not None and known and size not in c.size_names:
        raise FormError(f"the size {size!r} is not one of your choices")
    gpu = option(formdata.get("gpu"), "gpu")
    if gpu is not None:
        if _int(gpu) is None or (known and _int(gpu) not in c.gpu_choices):
            raise FormError(f"{gpu!r} GPUs is not one of your choices")
        gpu = _int(gpu)
    gpu_type = option(formdata.get("gpuType"), "GPU type")
    if gpu_type is not None and known and gpu_type not in c.gpu_types:
        raise FormError(f"the GPU type {gpu_type!r} is not one of your choices")

    user_options = {}
    for key, value in (("image", image), ("size", size), ("gpu", gpu), ("gpuType", gpu_type)):
        if value is not None:
            user_options[key] = value
    env, plain = _env_from_form(formdata, c, known)
    if plain:
        user_options["env"] = plain
    if not known:
        return user_options, None

    prefs = c.preferences
    body = {
        "image": image if image in c.image_names else prefs.get("image"),
        "size": size if "size" in formdata else prefs.get("size"),
        "gpu": gpu if gpu is not None else prefs.get("gpu"),
        "env": env,
    }
    return user_options, body


def _env_from_form(formdata, c, known):
    """(the preferences' env list, {name: value} of the plain ones for user_options)."""
    env, plain = [], {}
    for field in formdata:
        if field.startswith(ENV_FIELD) and known and field[len(ENV_FIELD):] not in c.variables:
            raise FormError(f"{field[len(ENV_FIELD):]} is not a variable of this form")
    for name, kind in c.variables.items():
        value = option(formdata.get(ENV_FIELD + name), name)
        if kind == "password":
            forget = option(formdata.get(FORGET_FIELD + name), name)
            saved = c.saved_env.get(name) or {}
            if value:
                env.append({"name": name, "value": value, "secret": True})
            elif saved.get("secret") and not forget:
                env.append({"name": name, "secret": True})  # keeps the stored value
        elif value:
            env.append({"name": name, "value": value})
            plain[name] = value
    # The user's other saved variables (set through the API) stay as they are.
    for name, saved in c.saved_env.items():
        if name not in c.variables:
            if saved.get("secret"):
                env.append({"name": name, "secret": True})
            else:
                env.append({"name": name, "value": saved.get("value", "")})
    return env, plain
