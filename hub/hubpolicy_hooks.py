"""JupyterHub hooks that let hubpolicy decide how single-user servers are configured.

Standard library only, so the files drop into any hub image: this module and its siblings
``hubpolicy_http.py``, ``hubpolicy_apply.py``, ``hubpolicy_form.py``, ``hubpolicy_form_script.py``,
``hubpolicy_profiles.py``, ``hubpolicy_preview.py`` and ``hubpolicy_lifecycle.py`` (copy
``hub/*.py`` together; import only this one). In ``jupyterhub_config.py`` (see
docs/connecting-a-hub.md and docs/spawn-form.md)::

    import hubpolicy_hooks

    hubpolicy_hooks.check_settings()  # a misconfiguration stops the hub at start, not at a spawn
    c.Spawner.pre_spawn_hook = hubpolicy_hooks.pre_spawn_hook
    c.KubeSpawner.modify_pod_hook = hubpolicy_hooks.modify_pod_hook   # KubeSpawner only
    c.Spawner.post_stop_hook = hubpolicy_hooks.post_stop_hook
    c.Spawner.options_form = hubpolicy_hooks.options_form              # the spawn form
    c.Spawner.options_from_form = hubpolicy_hooks.options_from_form
    c.JupyterHub.extra_handlers = [(r"/hubpolicy/preview", hubpolicy_hooks.PreviewHandler)]
    c.JupyterHub.spawner_class = hubpolicy_hooks.with_lifecycle("kubespawner")  # deletions

- ``pre_spawn_hook`` calls ``POST /v1/launches``: a denial fails the spawn with the rule's reason;
  the side services of the decision are launched. With a pod (the spawner has a
  ``modify_pod_hook``) the values they returned (e.g. ``SPARK_CLUSTER``) go into
  ``spawner.environment`` and the decision's image into ``spawner.image``; without one the whole
  decision is applied to the spawner (plain variables, memory and CPU limits and guarantees,
  the image).
- ``modify_pod_hook`` calls ``POST /v1/decisions`` with the pod and returns the mutated pod as the
  same kind of object it was given (a ``kubernetes`` or ``kubernetes_asyncio`` ``V1Pod``, or a
  dict).
- ``post_stop_hook`` calls ``DELETE /v1/launches/{user}?server=...&event=server-stopped`` so the
  server's services end with it. It never raises into the hub.
- ``options_form``, ``options_from_form``, ``profile_list`` and ``PreviewHandler``: the spawn form
  from ``GET /v1/options``, its preview from ``POST /v1/previews``, saved choices with
  ``PUT /v1/users/{user}/preferences``.
- ``with_lifecycle(cls)``: deleting a named server or a user ends their services.

Settings come from the hub's environment, read at every call (a rotated token file is picked up):

- ``HUBPOLICY_URL`` (required): e.g. ``http://hubpolicy.jupyterhub.svc:8080``
- ``HUBPOLICY_TOKEN`` or ``HUBPOLICY_TOKEN_FILE`` (exactly one): the bearer token
- ``HUBPOLICY_TIMEOUT`` (seconds, default 10): decisions, options, previews and stops
- ``HUBPOLICY_LAUNCH_TIMEOUT`` (seconds, default 90): launches, which wait for the services'
  returned values (hubpolicy's ``--service-wait``, default 60)
- ``HUBPOLICY_ON_UNAVAILABLE``: ``fail`` (default) or ``spawn-unmodified``
- ``HUBPOLICY_CA_FILE``: PEM bundle of the CA that signed hubpolicy's certificate (HTTPS)

The hooks are coroutines and do the blocking HTTP call in a thread, so the hub's event loop never
waits on hubpolicy. KubeSpawner and JupyterHub await a hook that returns an awaitable.
"""

import logging
import urllib.parse

import hubpolicy_form as _form
import hubpolicy_profiles as _profiles
from hubpolicy_apply import (
    apply_env_and_image,
    apply_resources,
    baseline,
    configured_image,
    has_trait,
    overlay_env,
    pod_to_json,
    returned_values,
)
from hubpolicy_http import (
    DEFAULT_LAUNCH_TIMEOUT,
    DEFAULT_TIMEOUT,
    ON_UNAVAILABLE_CHOICES,
    HubPolicyConfigError,
    HubPolicyDenied,
    HubPolicyError,
    HubPolicyUnavailable,
    Settings,
    call,
    check_settings,
    gpu_count,
    load_settings,
    log_of,
    option,
    user_groups,
    user_path,
)
from hubpolicy_preview import PreviewHandler, preview
from hubpolicy_lifecycle import (
    LifecycleAuthenticatorMixin,
    LifecycleSpawnerMixin,
    on_server_deleted,
    on_user_deleted,
    with_lifecycle,
)

__all__ = [
    "pre_spawn_hook",
    "modify_pod_hook",
    "post_stop_hook",
    "options_form",
    "options_from_form",
    "profile_list",
    "preview",
    "PreviewHandler",
    "with_lifecycle",
    "LifecycleSpawnerMixin",
    "LifecycleAuthenticatorMixin",
    "on_server_deleted",
    "on_user_deleted",
    "check_settings",
    "load_settings",
    "Settings",
    "HubPolicyError",
    "HubPolicyDenied",
    "HubPolicyUnavailable",
    "HubPolicyConfigError",
    "DEFAULT_TIMEOUT",
    "DEFAULT_LAUNCH_TIMEOUT",
    "ON_UNAVAILABLE_CHOICES",
]

FormError = _form.FormError


# ---------------------------------------------------------------------------------------------
# What the hub knows about the spawn


def has_pod(spawner):
    """Whether the decision reaches the server through a pod: the spawner has a modify_pod_hook.

    KubeSpawner (and anything else with a ``modify_pod_hook``) configured with one gets the
    decision through ``modify_pod_hook``; every other spawner gets it applied to its traits by
    ``pre_spawn_hook``.
    """
    return getattr(spawner, "modify_pod_hook", None) is not None


async def _spawn_request(spawner):
    """The body of a launch or decision: who, and what they chose (``spawner.user_options``).

    The choices are the spawn form's (``image``, ``size``, ``gpu``, ``gpuType``), or KubeSpawner's
    profile form built by ``profile_list`` (``profile`` names the size, ``image--unlisted-choice``
    is a custom image), or a REST API caller's. Without an image, the spawner's configured one is
    sent.
    """
    options = getattr(spawner, "user_options", None) or {}
    image = (
        option(options.get("image--unlisted-choice"), "user_options['image--unlisted-choice']")
        or option(options.get("image"), "user_options['image']")
        or option(configured_image(spawner), "spawner.image")
    )
    body = {
        "user": spawner.user.name,
        "groups": await user_groups(spawner.user, log_of(spawner)),
        "server": getattr(spawner, "name", "") or "",
    }
    # The hub's user id, for {userid} in the configuration (KubeSpawner's meaning).
    user_id = getattr(spawner.user, "id", None)
    if isinstance(user_id, int) and not isinstance(user_id, bool) and user_id >= 0:
        body["userId"] = user_id
    if image:
        body["image"] = image
    size = option(options.get("size"), "user_options['size']") or _profiles.size_from_slug(
        option(options.get("profile"), "user_options['profile']")
    )
    if size:
        body["size"] = size
    gpu = gpu_count(options.get("gpu"), "user_options['gpu']")
    if gpu is not None:
        body["gpu"] = gpu
    gpu_type = option(options.get("gpuType"), "user_options['gpuType']")
    if gpu_type:
        body["gpuType"] = gpu_type
    return body


def _describe_spawn(body):
    server = body.get("server")
    return f"{body['user']}'s server {server!r}" if server else f"{body['user']}'s server"


# ---------------------------------------------------------------------------------------------
# The spawn hooks


def _apply(spawner, answer, returned, log, body):
    """The decision onto the spawner: through the pod (the env values returned, the image) or
    all of it where there is no pod."""
    base = baseline(spawner)
    pod = has_pod(spawner)
    for name, value in returned.items():
        configured = (base.get("environment") or {}).get(name)
        if configured is not None and configured != value:
            log.info("hubpolicy: %s set by a service replaces the configured value", name)
    skipped = apply_env_and_image(spawner, answer, returned, plain_env=not pod)
    if pod:
        return
    if has_trait(spawner, "modify_pod_hook"):
        log.warning(
            "hubpolicy: %s has no modify_pod_hook: only the variables, memory, CPU and image of"
            " the decision apply (set c.KubeSpawner.modify_pod_hook for the rest)",
            type(spawner).__name__,
        )
    if skipped:
        log.warning(
            "hubpolicy: %s: variables %s not set: their valueFrom needs Kubernetes (decision %s)",
            _describe_spawn(body),
            ", ".join(skipped),
            answer.get("decisionId"),
        )
    # A spawner that runs user_options['image'] itself (DockerSpawner) runs the decided one.
    options, image = getattr(spawner, "user_options", None), answer.get("image")
    if isinstance(options, dict) and options.get("image") and image and options["image"] != image:
        spawner.user_options = {**options, "image": image}
    try:
        ignored = apply_resources(spawner, answer)
    except ValueError as e:
        raise HubPolicyError(f"hubpolicy's decision cannot be applied: {e}", 502) from None
    if ignored:
        log.info(
            "hubpolicy: %s: %s apply only to pods", _describe_spawn(body), ", ".join(ignored)
        )


async def pre_spawn_hook(spawner):
    """Asks hubpolicy to launch the spawn's side services, and applies the decision to the spawner.

    A denial fails the spawn with the rules' reasons. Every spawn starts again from what the
    spawner was configured with. Returned variables replace same-named entries of
    ``spawner.environment``; without a pod, so do the decision's plain variables (``valueFrom``
    ones are skipped with a warning), and ``mem_limit``, ``mem_guarantee``, ``cpu_limit`` and
    ``cpu_guarantee`` come from its resources. ``spawner.image`` becomes the decision's image where
    the spawner has that trait. Dicts are replaced, never mutated (a dict shared through
    configuration is never changed).
    """
    log = log_of(spawner)
    settings = load_settings()
    spawner._hubpolicy_returned = {}
    baseline(spawner)  # before anything changes it
    body = await _spawn_request(spawner)
    answer = await _ask(
        settings, log, "/v1/launches?explain=none", body, settings.launch_timeout,
        "without its services",
    )
    if answer is None:  # spawn-unmodified: as configured
        apply_env_and_image(spawner, {}, {}, plain_env=False)
        if not has_pod(spawner):
            apply_resources(spawner, {})
        return
    returned = returned_values(answer)
    _apply(spawner, answer, returned, log, body)
    spawner._hubpolicy_returned = returned
    log_warnings(log, answer, body)
    log.info(
        "hubpolicy decision %s for %s: profiles %s, services returned %s",
        answer.get("decisionId"),
        _describe_spawn(body),
        answer.get("profiles"),
        sorted(returned),
    )


def log_warnings(log, answer, body):
    """Logs what rules in warn mode would have done, and the exceptions that applied."""
    for w in answer.get("warnings") or []:
        if isinstance(w, dict):
            log.warning(
                "hubpolicy policy warning for %s (decision %s): %s (rule %r, in warn mode)",
                _describe_spawn(body), answer.get("decisionId"), w.get("reason"), w.get("rule"),
            )
    for e in answer.get("exceptions") or []:
        if isinstance(e, dict):
            log.info(
                "hubpolicy exception %r applied to %s until %s: %s",
                e.get("name"), _describe_spawn(body), e.get("until"), e.get("reason"),
            )


async def modify_pod_hook(spawner, pod):
    """Returns the pod as hubpolicy decides it, as the same kind of object as ``pod``."""
    log = log_of(spawner)
    settings = load_settings()
    data, back = pod_to_json(pod)
    body = await _spawn_request(spawner)
    body["pod"] = data
    answer = await _ask(
        settings, log, "/v1/decisions?explain=none", body, settings.timeout,
        "with the pod unmodified",
    )
    if answer is None:
        return pod
    mutated = answer.get("pod")
    if not isinstance(mutated, dict):
        raise HubPolicyError(
            "hubpolicy answered the decision without the mutated pod; is it an older version?",
            502,
        )
    # A decision does not launch, so it does not know the values the launch's services returned;
    # the pod gets those, as the launch answered them.
    returned = getattr(spawner, "_hubpolicy_returned", None)
    if returned:
        overlay_env(mutated, returned)
    log_warnings(log, answer, body)
    log.info(
        "hubpolicy decision %s for %s: profiles %s",
        answer.get("decisionId"),
        _describe_spawn(body),
        answer.get("profiles"),
    )
    return back(mutated)


async def _ask(settings, log, path, body, timeout, unmodified):
    """POSTs a spawn to hubpolicy; None when it is unavailable and the spawn goes on without it.

    Only unavailability honours ``spawn-unmodified``; a denial, or any other refusal, always fails
    the spawn, logged here with the spawn it was about.
    """
    try:
        return await call(settings, "POST", path, body, timeout)
    except HubPolicyUnavailable as e:
        if settings.on_unavailable == "spawn-unmodified":
            log.warning(
                "%s; HUBPOLICY_ON_UNAVAILABLE=spawn-unmodified: starting %s %s",
                e,
                _describe_spawn(body),
                unmodified,
            )
            return None
        log.error("%s; %s is not started", e, _describe_spawn(body))
        raise
    except HubPolicyDenied as e:
        log.warning(
            "hubpolicy denied %s (decision %s): %s", _describe_spawn(body), e.decision_id, e
        )
        raise


async def post_stop_hook(spawner):
    """Ends the services of the stopped server's lifecycle. Logs and continues on any error."""
    log = log_of(spawner)
    try:
        user = spawner.user.name
        server = getattr(spawner, "name", "") or ""
        spawner._hubpolicy_returned = {}
        settings = load_settings()
        path = user_path("/v1/launches/", user, server=server, event="server-stopped")
        answer = await call(settings, "DELETE", path)
        deleted = answer.get("deleted") or []
        log.log(
            logging.INFO if deleted else logging.DEBUG,
            "hubpolicy ended the services of %s's server %r: deleted %s",
            user,
            server,
            ", ".join(map(str, deleted)) or "nothing",
        )
    except Exception as e:  # never into the hub: the server is stopped either way
        log.error(
            "hubpolicy: could not end the services of the stopped server %r of %s: %s;"
            " objects launched for it stay until removed",
            getattr(spawner, "name", ""),
            getattr(getattr(spawner, "user", None), "name", "?"),
            e,
        )


# ---------------------------------------------------------------------------------------------
# The spawn form


async def _options(settings, user, log):
    """``GET /v1/options`` for the user and their groups."""
    query = {"user": user.name, "group": await user_groups(user, log)}
    return await call(settings, "GET", "/v1/options?" + urllib.parse.urlencode(query, doseq=True))


def _preview_url(spawner):
    base = getattr(getattr(spawner, "hub", None), "base_url", None) or "/hub/"
    return base.rstrip("/") + "/" + _form.PREVIEW_PATH


async def options_form(spawner):
    """``Spawner.options_form``: the spawn form's HTML for this user (``GET /v1/options``).

    Images, sizes (with their resources and whether they can be scheduled), GPUs, the variables
    of ``envVarConfig``, the saved choices preselected, and a preview of what the preselected
    choices give. When hubpolicy cannot be asked, the form says so instead.
    """
    log = log_of(spawner)
    settings = None
    try:
        settings = load_settings()
        options = await _options(settings, spawner.user, log)
    except HubPolicyError as e:
        log.error("hubpolicy: no spawn form for %s: %s", spawner.user.name, e)
        spawn_unmodified = (
            isinstance(e, HubPolicyUnavailable) and settings.on_unavailable == "spawn-unmodified"
        )
        return _form.render_unavailable(str(e), spawn_unmodified)
    return _form.render(
        options,
        preview_url=_preview_url(spawner),
        user=spawner.user.name,
        server=getattr(spawner, "name", "") or "",
    )


async def options_from_form(formdata, spawner=None):
    """``Spawner.options_from_form``: the user's choices as ``user_options``; saves them.

    Checks the choices against ``GET /v1/options`` (a custom image against ``unlistedImage``'s
    pattern), then saves them with ``PUT /v1/users/{user}/preferences`` (a password variable as a
    secret; left empty, its stored value is kept). A wrong choice raises an error whose message
    JupyterHub shows above the form. ``user_options`` holds ``image``, ``size``, ``gpu``,
    ``gpuType`` and the plain variables under ``env``; never a secret value, since JupyterHub keeps
    ``user_options`` in its database. JupyterHub 3 passes ``spawner`` (the parameter's name).
    """
    if spawner is None:  # called without the spawner: nothing to check against, nothing saved
        return _form.parse(formdata, None)[0]
    log = log_of(spawner)
    settings = load_settings()
    user = spawner.user
    try:
        options = await _options(settings, user, log)
    except HubPolicyUnavailable as e:
        if settings.on_unavailable != "spawn-unmodified":
            raise
        log.warning("%s; HUBPOLICY_ON_UNAVAILABLE=spawn-unmodified: choices not saved", e)
        return _form.parse(formdata, None)[0]
    user_options, preferences = _form.parse(formdata, options)
    groups = await user_groups(user, log)
    path = user_path("/v1/users/", user.name) + "/preferences"
    if groups:
        path += "?" + urllib.parse.urlencode({"group": groups}, doseq=True)
    await call(settings, "PUT", path, preferences)
    return user_options


async def profile_list(spawner):
    """KubeSpawner's ``profile_list`` as a callable: the same choices as ``options_form``.

    A profile per size (and "Default", without one) with the images and GPU counts as its
    options. KubeSpawner's form has no place for variables or a preview; use ``options_form``
    for those. When hubpolicy cannot be asked: with ``spawn-unmodified`` an empty list
    (KubeSpawner's defaults), otherwise one profile that says why.
    """
    log = log_of(spawner)
    settings = None
    try:
        settings = load_settings()
        options = await _options(settings, spawner.user, log)
    except HubPolicyError as e:
        log.error("hubpolicy: no profile list for %s: %s", spawner.user.name, e)
        if isinstance(e, HubPolicyUnavailable) and settings.on_unavailable == "spawn-unmodified":
            return []
        return [_profiles.unavailable(str(e))]
    return _profiles.profiles(options, log)
