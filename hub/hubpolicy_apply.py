"""Applying a decision: to a pod (as the spawner's own model class), or to a spawner without one.

Part of the hub module: ``hubpolicy_hooks`` imports it; copy every ``hub/*.py`` file together.
"""

import decimal
import functools
import importlib
import json
import re

# ---------------------------------------------------------------------------------------------
# Pods: the spawner's own model class in, the same class out


class _Body:
    """What ``ApiClient.deserialize`` reads: an object with the JSON in ``data``."""

    def __init__(self, data):
        self.data = data


@functools.lru_cache(maxsize=None)
def _api_client_for(model_class):
    """A serializer from the package the model comes from (kubernetes, kubernetes_asyncio, ...).

    Made without running ``ApiClient.__init__``: only the (de)serialisation methods are used, and
    kubernetes_asyncio's constructor would open an aiohttp session that nothing closes.
    """
    module = model_class.__module__
    package = module.split(".models", 1)[0] if ".models" in module else module.rsplit(".", 1)[0]
    for name in (package, package + ".api_client"):
        try:
            api_client_class = getattr(importlib.import_module(name), "ApiClient", None)
        except ImportError:
            api_client_class = None
        if api_client_class is not None:
            return api_client_class.__new__(api_client_class)
    raise TypeError(
        f"hubpolicy_hooks: cannot find the ApiClient of {module} to serialise a"
        f" {model_class.__name__}"
    )


def pod_to_json(pod):
    """The pod as JSON, and how to turn a JSON pod back into the same kind of object."""
    if isinstance(pod, dict):
        return json.loads(json.dumps(pod)), lambda data: data
    model_class = type(pod)
    if not hasattr(pod, "openapi_types") or not hasattr(pod, "attribute_map"):
        raise TypeError(
            f"modify_pod_hook got a {model_class.__module__}.{model_class.__name__}; expected a"
            " V1Pod model or a dict"
        )
    client = _api_client_for(model_class)
    data = client.sanitize_for_serialization(pod)

    def back(mutated):
        return client.deserialize(_Body(json.dumps(mutated)), model_class)

    return data, back


def _notebook_container(pod):
    containers = ((pod.get("spec") or {}).get("containers")) or []
    for c in containers:
        if c.get("name") == "notebook":
            return c
    return containers[0] if containers else None


def overlay_env(pod, values):
    """Sets ``values`` on the notebook container, replacing same-named variables in place."""
    container = _notebook_container(pod)
    if container is None:
        return
    env = list(container.get("env") or [])
    todo = dict(values)
    for i, var in enumerate(env):
        if var.get("name") in todo:
            env[i] = {"name": var["name"], "value": todo.pop(var["name"])}
    env.extend({"name": k, "value": v} for k, v in todo.items())
    container["env"] = env


def returned_values(answer):
    """The variables the launch's services returned, by name."""
    out = {}
    services = answer.get("services")
    if isinstance(services, dict):
        for service in services.values():
            returned = service.get("returned") if isinstance(service, dict) else None
            if isinstance(returned, dict):
                out.update({k: str(v) for k, v in returned.items() if v is not None})
    return out



# ---------------------------------------------------------------------------------------------
# Spawners: what the spawner was configured with, and the decision on top of it

# The traits a decision sets on a spawner. What the spawner had before its first decision is kept,
# and each decision starts from it again: a spawner object lives on across its server's restarts,
# and a variable or limit of an earlier decision must not stick to a later one.
TRAITS = ("environment", "image", "mem_limit", "mem_guarantee", "cpu_limit", "cpu_guarantee")
# (trait, resources section, resource, conversion)
RESOURCE_TRAITS = (
    ("mem_limit", "limits", "memory", "bytes"),
    ("mem_guarantee", "requests", "memory", "bytes"),
    ("cpu_limit", "limits", "cpu", "cores"),
    ("cpu_guarantee", "requests", "cpu", "cores"),
)

_QUANTITY = re.compile(
    r"^([+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+))(?:(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)"
    r"|[eE]([+-]?[0-9]+))?$"
)
_FACTORS = {
    None: 1, "n": decimal.Decimal("1e-9"), "u": decimal.Decimal("1e-6"),
    "m": decimal.Decimal("1e-3"), "k": 10**3, "M": 10**6, "G": 10**9, "T": 10**12,
    "P": 10**15, "E": 10**18, "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50,
    "Ei": 2**60,
}


def quantity(value):
    """A Kubernetes quantity (``2Gi``, ``500m``, ``1.5``, ``1e3``) as an exact Decimal."""
    match = _QUANTITY.match(str(value).strip())
    if not match:
        raise ValueError(f"{value!r} is not a Kubernetes quantity")
    number, suffix, exponent = match.groups()
    result = decimal.Decimal(number) * _FACTORS[suffix]
    if exponent is not None:
        result = result.scaleb(int(exponent))
    return result


def to_bytes(value):
    """Memory as whole bytes, rounded up as Kubernetes does (``1.5Gi`` → 1610612736)."""
    return int(quantity(value).to_integral_value(rounding=decimal.ROUND_CEILING))


def to_cores(value):
    """CPU as a float number of cores (``500m`` → 0.5)."""
    return float(quantity(value))


def has_trait(spawner, name):
    has = getattr(spawner, "has_trait", None)
    return has(name) if callable(has) else hasattr(spawner, name)


def baseline(spawner):
    """The traits as configured, before any decision changed them (saved on the first call)."""
    saved = getattr(spawner, "_hubpolicy_baseline", None)
    if saved is None:
        saved = {t: getattr(spawner, t) for t in TRAITS if has_trait(spawner, t)}
        spawner._hubpolicy_baseline = saved
    return saved


def configured_image(spawner):
    """The image the spawner was configured with (not the one an earlier decision set)."""
    saved = getattr(spawner, "_hubpolicy_baseline", None)
    return saved.get("image") if saved is not None else getattr(spawner, "image", None)


def _set(spawner, trait, value):
    """Sets a trait only when it changes, so that an unchanged dict stays the same object."""
    if getattr(spawner, trait) != value:
        setattr(spawner, trait, value)


def apply_env_and_image(spawner, decision, returned, plain_env):
    """The environment and image of a decision; returns the names of skipped ``valueFrom`` ones.

    ``plain_env``: also the decision's plain variables (a spawner without a pod); otherwise only
    the values the launch's services ``returned`` (the pod gets the rest from the pod hook).
    """
    base = baseline(spawner)
    skipped = []
    if "environment" in base:
        environment = dict(base["environment"] or {})
        if plain_env:
            for var in decision.get("env") or []:
                if not isinstance(var, dict) or not var.get("name"):
                    continue
                if var.get("valueFrom") is not None:
                    skipped.append(var["name"])
                    environment.pop(var["name"], None)
                else:
                    value = var.get("value")
                    environment[var["name"]] = "" if value is None else str(value)
        environment.update(returned)
        _set(spawner, "environment", environment)
    image = decision.get("image")
    if "image" in base:
        _set(spawner, "image", image if isinstance(image, str) and image else base["image"])
    return skipped


def apply_resources(spawner, decision):
    """Memory and CPU limits and guarantees; returns the resource keys a spawner cannot take."""
    base = baseline(spawner)
    resources = decision.get("resources") or {}
    ignored = []
    for section in ("requests", "limits"):
        for key in resources.get(section) or {}:
            if key not in ("cpu", "memory"):
                ignored.append(f"{section}.{key}")
    for trait, section, key, conversion in RESOURCE_TRAITS:
        if trait not in base:
            continue
        value = (resources.get(section) or {}).get(key)
        if value is None:
            _set(spawner, trait, base[trait])
            continue
        try:
            converted = to_bytes(value) if conversion == "bytes" else to_cores(value)
        except ValueError as e:
            raise ValueError(f"resources.{section}.{key}: {e}") from None
        _set(spawner, trait, converted)
    return ignored
