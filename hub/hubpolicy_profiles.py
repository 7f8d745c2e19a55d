"""KubeSpawner's ``profile_list`` from hubpolicy's options: a profile per size, image/GPU options.

Part of the hub module: ``hubpolicy_hooks`` imports it; copy every ``hub/*.py`` file together.
KubeSpawner renders a profile list without escaping, so every text is escaped here. The hooks read
the user's choice back from KubeSpawner's ``user_options``: ``profile`` (a ``size_slug``),
``image`` or ``image--unlisted-choice``, ``gpu``, ``gpuType``. The overrides are empty: the decision
is applied by the hooks, not by KubeSpawner.
"""

import copy
import re

from hubpolicy_form import Choices, esc, size_help

SIZE_SLUG = "hubpolicy-size-"
_SAFE_CHOICE = re.compile(r"^[A-Za-z0-9._:/@+-]+$")  # image and GPU type names used as keys


def size_slug(name):
    """An HTML-id-safe, reversible slug: letters and digits kept, any other byte as _XX."""
    return SIZE_SLUG + "".join(
        ch if ch.isascii() and ch.isalnum() else "".join(f"_{b:02X}" for b in ch.encode())
        for ch in name
    )


def size_from_slug(slug):
    """The size name of a ``size_slug``; None for anything else."""
    if not isinstance(slug, str) or not slug.startswith(SIZE_SLUG):
        return None
    encoded = slug[len(SIZE_SLUG):]
    try:
        raw = re.sub(rb"_([0-9A-F]{2})", lambda m: bytes([int(m.group(1), 16)]), encoded.encode())
        return raw.decode()
    except (UnicodeDecodeError, ValueError):
        return None


def profiles(options, log):
    """KubeSpawner's ``profile_list``: a profile per size (and one without), image/GPU options.

    KubeSpawner renders these without escaping, so every text is escaped here; image and GPU
    type names become choice keys only when they are plain names (others are left out, logged).
    """
    c = Choices(options)
    profile_options = {}
    images = {}
    for image in c.images:
        if not _SAFE_CHOICE.match(image["name"]):
            log.warning(
                "hubpolicy: image %r left out of profile_list (not a plain name)", image["name"]
            )
            continue
        shown = image.get("displayName") or image["name"]
        images[image["name"]] = {"display_name": esc(shown), "default": image["name"] == c.image}
    if images or c.unlisted:
        profile_options["image"] = {"display_name": "Image", "choices": images}
        if c.unlisted:
            shown = esc(c.unlisted.get("displayName") or "Custom image")
            unlisted = {"enabled": True, "display_name": shown, "display_name_in_choices": shown}
            if c.pattern and not re.search(r"[\"'<>&]", c.pattern):
                unlisted["validation_regex"] = c.pattern
                unlisted["validation_message"] = esc(f"The image must match {c.pattern}")
            profile_options["image"]["unlisted_choice"] = unlisted
    if c.offers_gpu:
        profile_options["gpu"] = {
            "display_name": "GPUs",
            "choices": {
                str(n): {"display_name": str(n) if n else "None", "default": n == c.gpu}
                for n in c.gpu_choices
            },
        }
        types = [t for t in c.gpu_types if _SAFE_CHOICE.match(t)]
        if len(types) > 1:
            profile_options["gpuType"] = {
                "display_name": "GPU type",
                "choices": {t: {"display_name": esc(t), "default": t == c.gpu_type} for t in types},
            }

    def profile(slug, name, description, default):
        entry = {
            "display_name": esc(name),
            "slug": slug,
            "description": esc(description),
            "default": default,
            "kubespawner_override": {},
        }
        if profile_options:  # a copy each: KubeSpawner fills in defaults in place
            entry["profile_options"] = copy.deepcopy(profile_options)
        return entry

    if not c.sizes:
        return [profile("hubpolicy", "Notebook server", "", True)]
    out = [profile("hubpolicy-default", "Default", "No size: the profiles' resources", not c.size)]
    for size in c.sizes:
        chosen = size["name"] == c.size
        out.append(profile(size_slug(size["name"]), size["name"], size_help(size), chosen))
    return out


def unavailable(message):
    """The one profile offered when hubpolicy cannot be asked: it says why."""
    return {
        "display_name": "hubpolicy is unavailable",
        "slug": "hubpolicy-unavailable",
        "description": esc(message),
        "default": True,
        "kubespawner_override": {},
    }
