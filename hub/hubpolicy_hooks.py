"""JupyterHub hooks that let hubpolicy decide how single-user servers are configured.

Standard library only, so the file drops into any hub image. In ``jupyterhub_config.py``::

    import hubpolicy_hooks

    hubpolicy_hooks.check_settings()  # a misconfiguration stops the hub at start, not at a spawn
    c.KubeSpawner.pre_spawn_hook = hubpolicy_hooks.pre_spawn_hook
    c.KubeSpawner.modify_pod_hook = hubpolicy_hooks.modify_pod_hook
    c.KubeSpawner.post_stop_hook = hubpolicy_hooks.post_stop_hook

- ``pre_spawn_hook`` calls ``POST /v1/launches``: a denial fails the spawn with the rule's reason;
  the side services of the decision are launched and the variables they returned (e.g.
  ``SPARK_CLUSTER``) are put into ``spawner.environment``.
- ``modify_pod_hook`` calls ``POST /v1/decisions`` with the pod and returns the mutated pod as the
  same kind of object it was given (a ``kubernetes`` or ``kubernetes_asyncio`` ``V1Pod``, or a dict).
- ``post_stop_hook`` calls ``DELETE /v1/launches/{user}?server=...&event=server-stopped`` so the
  server's services end with it. It never raises into the hub.

Settings come from the hub's environment, read at every call (a rotated token file is picked up):

- ``HUBPOLICY_URL`` (required): e.g. ``http://hubpolicy.jupyterhub.svc:8080``
- ``HUBPOLICY_TOKEN`` or ``HUBPOLICY_TOKEN_FILE`` (exactly one): the bearer token
- ``HUBPOLICY_TIMEOUT`` (seconds, default 10): decisions and stops
- ``HUBPOLICY_LAUNCH_TIMEOUT`` (seconds, default 90): launches, which wait for the services'
  returned values (hubpolicy's ``--service-wait``, default 60)
- ``HUBPOLICY_ON_UNAVAILABLE``: ``fail`` (default) or ``spawn-unmodified``
- ``HUBPOLICY_CA_FILE``: PEM bundle of the CA that signed hubpolicy's certificate (HTTPS)

The hooks are coroutines and do the blocking HTTP call in a thread, so the hub's event loop never
waits on hubpolicy. KubeSpawner and JupyterHub await a hook that returns an awaitable.
"""

import asyncio
import concurrent.futures
import functools
import importlib
import inspect
import json
import logging
import os
import socket
import ssl
import urllib.error
import urllib.parse
import urllib.request

__all__ = [
    "pre_spawn_hook",
    "modify_pod_hook",
    "post_stop_hook",
    "check_settings",
    "load_settings",
    "Settings",
    "HubPolicyError",
    "HubPolicyDenied",
    "HubPolicyUnavailable",
    "HubPolicyConfigError",
]

DEFAULT_TIMEOUT = 10.0
DEFAULT_LAUNCH_TIMEOUT = 90.0
ON_UNAVAILABLE_CHOICES = ("fail", "spawn-unmodified")

_LOG = logging.getLogger("hubpolicy_hooks")

try:  # Present wherever JupyterHub is; optional so that the module imports anywhere.
    from tornado.web import HTTPError as _TornadoHTTPError
except ImportError:  # pragma: no cover - exercised only without tornado
    _TornadoHTTPError = None


class HubPolicyError(_TornadoHTTPError or Exception):
    """A spawn that did not happen because of hubpolicy; ``jupyterhub_message`` is what users see.

    JupyterHub 3 shows a failed spawn's ``jupyterhub_message`` in the progress events ("Spawn
    failed: <message>") and on the "Spawn failed" page. As a ``tornado.web.HTTPError`` (when tornado
    is importable, i.e. in any hub) the message is also the ``message`` of the REST API's error
    answer (``POST /hub/api/users/{name}/server``) and of the HTML error page, with ``status`` as
    the HTTP status.
    """

    def __init__(self, message, status=500):
        if _TornadoHTTPError is not None:
            _TornadoHTTPError.__init__(self, status, "%s", message)
        else:
            Exception.__init__(self, message)
            self.status_code = status
        self.jupyterhub_message = message

    def __str__(self):
        return self.jupyterhub_message

    # JupyterHub tags a failed spawn's exception with ``reason = 'error'``, and its HTML error page
    # then replaces the message by a generic "Failed to start your server". The message here is
    # the one worth reading, so the tag is not kept.
    @property
    def reason(self):
        return None

    @reason.setter
    def reason(self, value):
        pass


class HubPolicyDenied(HubPolicyError):
    """A rule denied the spawn; the message is the rules' reasons."""

    def __init__(self, reasons, decision_id=None):
        self.reasons = list(reasons)
        self.decision_id = decision_id
        super().__init__("; ".join(self.reasons) or "denied by policy", 403)


class HubPolicyUnavailable(HubPolicyError):
    """hubpolicy could not answer: unreachable, timed out, not ready or failing (5xx)."""

    def __init__(self, message):
        super().__init__(message, 503)


class HubPolicyConfigError(HubPolicyError, ValueError):
    """The hooks' settings are wrong (or hubpolicy refused the hub's token)."""

    def __init__(self, message):
        super().__init__(message, 500)


class Settings:
    """The hooks' settings, validated."""

    __slots__ = (
        "url",
        "token",
        "token_source",
        "timeout",
        "launch_timeout",
        "on_unavailable",
        "ca_file",
    )

    def __init__(
        self, url, token, token_source, timeout, launch_timeout, on_unavailable, ca_file
    ):
        self.url = url
        self.token = token
        self.token_source = token_source
        self.timeout = timeout
        self.launch_timeout = launch_timeout
        self.on_unavailable = on_unavailable
        self.ca_file = ca_file

    def __repr__(self):  # never the token
        return (
            f"Settings(url={self.url!r}, token from {self.token_source}, timeout={self.timeout},"
            f" launch_timeout={self.launch_timeout}, on_unavailable={self.on_unavailable!r},"
            f" ca_file={self.ca_file!r})"
        )


def _seconds(environ, name, default):
    raw = environ.get(name, "").strip()
    if not raw:
        return default
    try:
        value = float(raw)
    except ValueError:
        raise HubPolicyConfigError(
            f"{name} must be a number of seconds, e.g. 10; got {raw!r}"
        ) from None
    if not value > 0 or value == float("inf"):
        raise HubPolicyConfigError(f"{name} must be a positive number of seconds; got {raw!r}")
    return value


def load_settings(environ=None):
    """The settings from ``environ`` (default ``os.environ``); raises ``HubPolicyConfigError``."""
    env = os.environ if environ is None else environ
    url = env.get("HUBPOLICY_URL", "").strip()
    if not url:
        raise HubPolicyConfigError(
            "HUBPOLICY_URL is not set: set it to hubpolicy's address,"
            " e.g. http://hubpolicy.jupyterhub.svc:8080"
        )
    parts = urllib.parse.urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise HubPolicyConfigError(
            f"HUBPOLICY_URL must be an http:// or https:// URL with a host, e.g."
            f" http://hubpolicy:8080; got {url!r}"
        )
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        raise HubPolicyConfigError(f"HUBPOLICY_URL has an invalid port: {url!r}") from None
    if parts.query or parts.fragment or parts.username or parts.password:
        raise HubPolicyConfigError(
            "HUBPOLICY_URL must be a plain base URL without user, query or fragment;"
            " the token goes into HUBPOLICY_TOKEN or HUBPOLICY_TOKEN_FILE"
        )
    url = url.rstrip("/")

    token = env.get("HUBPOLICY_TOKEN", "").strip()
    token_file = env.get("HUBPOLICY_TOKEN_FILE", "").strip()
    if token and token_file:
        raise HubPolicyConfigError(
            "both HUBPOLICY_TOKEN and HUBPOLICY_TOKEN_FILE are set: set only one"
        )
    if token_file:
        try:
            with open(token_file, encoding="utf-8") as f:
                lines = [line.strip() for line in f]
        except OSError as e:
            raise HubPolicyConfigError(
                f"HUBPOLICY_TOKEN_FILE={token_file} cannot be read: {e.strerror or e}"
            ) from None
        token = next((line for line in lines if line and not line.startswith("#")), "")
        if not token:
            raise HubPolicyConfigError(f"HUBPOLICY_TOKEN_FILE={token_file} holds no token")
        source = f"HUBPOLICY_TOKEN_FILE={token_file}"
    elif token:
        source = "HUBPOLICY_TOKEN"
    else:
        raise HubPolicyConfigError(
            "no token for hubpolicy: set HUBPOLICY_TOKEN, or HUBPOLICY_TOKEN_FILE to a file"
            " holding one of the tokens of hubpolicy's --token-file"
        )
    if any(c.isspace() for c in token):
        raise HubPolicyConfigError(f"the token from {source} contains whitespace")

    timeout = _seconds(env, "HUBPOLICY_TIMEOUT", DEFAULT_TIMEOUT)
    launch_timeout = _seconds(env, "HUBPOLICY_LAUNCH_TIMEOUT", DEFAULT_LAUNCH_TIMEOUT)

    on_unavailable = env.get("HUBPOLICY_ON_UNAVAILABLE", "").strip().lower() or "fail"
    if on_unavailable not in ON_UNAVAILABLE_CHOICES:
        raise HubPolicyConfigError(
            "HUBPOLICY_ON_UNAVAILABLE must be 'fail' or 'spawn-unmodified'; got"
            f" {env.get('HUBPOLICY_ON_UNAVAILABLE')!r}"
        )

    ca_file = env.get("HUBPOLICY_CA_FILE", "").strip() or None
    if ca_file is not None:
        if parts.scheme != "https":
            raise HubPolicyConfigError(
                f"HUBPOLICY_CA_FILE is set but HUBPOLICY_URL is not https: {url}"
            )
        if not os.path.isfile(ca_file) or not os.access(ca_file, os.R_OK):
            raise HubPolicyConfigError(f"HUBPOLICY_CA_FILE={ca_file} is not a readable file")
    return Settings(url, token, source, timeout, launch_timeout, on_unavailable, ca_file)


def check_settings(environ=None, log=None):
    """Validates the settings now (call it from jupyterhub_config.py); returns them."""
    settings = load_settings(environ)
    if settings.ca_file:  # a broken bundle is a configuration error, not a spawn-time one
        try:
            ssl.create_default_context(cafile=settings.ca_file)
        except (ssl.SSLError, OSError) as e:
            raise HubPolicyConfigError(
                f"HUBPOLICY_CA_FILE={settings.ca_file} is not a PEM CA bundle: {e}"
            ) from None
    (log or _LOG).info("hubpolicy hooks: %r", settings)
    return settings


# ---------------------------------------------------------------------------------------------
# HTTP


_EXECUTOR = None


def _executor():
    global _EXECUTOR
    if _EXECUTOR is None:
        # Threads are made on demand; a launch may wait a minute for its services, so a few slow
        # launches must not hold up every other spawn's decision.
        _EXECUTOR = concurrent.futures.ThreadPoolExecutor(
            max_workers=32, thread_name_prefix="hubpolicy"
        )
    return _EXECUTOR


async def _in_thread(fn, *args):
    return await asyncio.get_running_loop().run_in_executor(
        _executor(), functools.partial(fn, *args)
    )


def _ssl_context(settings):
    if not settings.url.startswith("https:"):
        return None
    try:
        return ssl.create_default_context(cafile=settings.ca_file)
    except (ssl.SSLError, OSError) as e:
        raise HubPolicyConfigError(
            f"HUBPOLICY_CA_FILE={settings.ca_file} is not a PEM CA bundle: {e}"
        ) from None


def _describe(e):
    """A short, readable cause of a failed connection."""
    reason = getattr(e, "reason", e)
    if isinstance(reason, (socket.timeout, TimeoutError)):
        return "no answer in time"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, socket.gaierror):
        return f"unknown host ({reason.strerror or reason})"
    if isinstance(reason, OSError) and reason.strerror:
        return reason.strerror
    return str(reason) or type(reason).__name__


def _call(settings, method, path, body, timeout):
    """One call to hubpolicy: returns (status, parsed JSON or None). Raises on no answer."""
    url = settings.url + path
    where = f"{method} {settings.url}{path.split('?')[0]}"  # for messages
    data = None
    headers = {
        "Authorization": "Bearer " + settings.token,
        "Accept": "application/json",
        "User-Agent": "hubpolicy-hooks",
    }
    if body is not None:
        data = json.dumps(body).encode("utf-8")
        headers["Content-Type"] = "application/json"
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    context = _ssl_context(settings)
    try:
        with urllib.request.urlopen(request, timeout=timeout, context=context) as response:
            status, raw = response.status, response.read()
    except urllib.error.HTTPError as e:
        status = e.code
        try:
            raw = e.read()
        except OSError:
            raw = b""
        finally:
            e.close()
    except urllib.error.URLError as e:
        if isinstance(e.reason, ssl.SSLCertVerificationError):
            raise HubPolicyConfigError(
                f"hubpolicy's certificate at {settings.url} is not trusted"
                f" ({e.reason.verify_message or e.reason}); set HUBPOLICY_CA_FILE to the CA"
                " that signed it"
            ) from None
        raise HubPolicyUnavailable(f"hubpolicy is unavailable: {where}: {_describe(e)}") from None
    except (socket.timeout, TimeoutError):
        raise HubPolicyUnavailable(
            f"hubpolicy is unavailable: {where}: no answer within {timeout:g} s"
        ) from None
    except (OSError, ValueError) as e:  # reset connections, bad status lines, ...
        raise HubPolicyUnavailable(f"hubpolicy is unavailable: {where}: {_describe(e)}") from None
    try:
        payload = json.loads(raw.decode("utf-8")) if raw else None
    except ValueError:
        payload = None
    return status, payload


def _expect_answer(settings, method, path, status, payload):
    """The JSON object of a successful answer, or the right exception for any other."""
    error = payload.get("error") if isinstance(payload, dict) else None
    where = f"{method} {settings.url}{path.split('?')[0]}"
    if 200 <= status < 300:
        if not isinstance(payload, dict):
            raise HubPolicyUnavailable(
                f"hubpolicy is unavailable: {where} answered {status} without a JSON object"
                " (is HUBPOLICY_URL hubpolicy's address?)"
            )
        return payload
    if status == 403 and isinstance(payload, dict) and "reasons" in payload:
        reasons = [str(r) for r in payload.get("reasons") or []] or [error or "denied by policy"]
        raise HubPolicyDenied(reasons, payload.get("decisionId"))
    if status == 401:
        raise HubPolicyConfigError(
            f"hubpolicy refused the hub's token ({settings.token_source}): {error or 'HTTP 401'}."
            " The token must be one of those in hubpolicy's --token-file (or --token-secret)."
        )
    if status == 400:
        field = payload.get("field") if isinstance(payload, dict) else None
        raise HubPolicyError(
            f"hubpolicy refused the request: {error or 'HTTP 400'}"
            + (f" (field '{field}')" if field else ""),
            400,
        )
    if status >= 500 or status in (404, 408, 429):
        # 404: not hubpolicy (or an old one) at that address; 429/5xx: hubpolicy or its cluster
        # cannot serve now.
        raise HubPolicyUnavailable(
            f"hubpolicy is unavailable: {where} answered {status}: {error or 'no details'}"
        )
    raise HubPolicyError(
        f"hubpolicy could not serve the spawn: {where} answered {status}: {error or 'no details'}",
        502,
    )


def _request(settings, method, path, body, timeout):
    status, payload = _call(settings, method, path, body, timeout)
    return _expect_answer(settings, method, path, status, payload)


# ---------------------------------------------------------------------------------------------
# What the hub knows about the spawn


def _log(spawner):
    log = getattr(spawner, "log", None)
    return log if log is not None else _LOG


def _option(value, what):
    """A user option as one string: forms give lists of strings, APIs give strings."""
    if isinstance(value, (list, tuple)):
        if len(value) > 1:
            raise HubPolicyError(f"{what} must be one value, got {len(value)}", 400)
        value = value[0] if value else None
    if value is None or value == "":
        return None
    if not isinstance(value, (str, int, float)):
        raise HubPolicyError(f"{what} must be a string, got {type(value).__name__}", 400)
    return str(value)


async def _groups(spawner):
    """The auth state's ``groups`` where the authenticator keeps them, else the hub's groups."""
    user = spawner.user
    get_auth_state = getattr(user, "get_auth_state", None)
    if get_auth_state is not None:
        try:
            state = get_auth_state()
            if inspect.isawaitable(state):
                state = await state
        except Exception as e:  # auth state not enabled or not decryptable
            _log(spawner).debug("hubpolicy: no auth state for %s: %s", user.name, e)
            state = None
        if isinstance(state, dict) and isinstance(state.get("groups"), (list, tuple)):
            return [str(g) for g in state["groups"]]
    return [getattr(g, "name", str(g)) for g in (getattr(user, "groups", None) or [])]


async def _spawn_request(spawner):
    options = getattr(spawner, "user_options", None) or {}
    image = _option(options.get("image"), "user_options['image']") or _option(
        getattr(spawner, "image", None), "spawner.image"
    )
    body = {
        "user": spawner.user.name,
        "groups": await _groups(spawner),
        "server": getattr(spawner, "name", "") or "",
    }
    if image:
        body["image"] = image
    size = _option(options.get("size"), "user_options['size']")
    if size:
        body["size"] = size
    return body


def _describe_spawn(body):
    server = body.get("server")
    return f"{body['user']}'s server {server!r}" if server else f"{body['user']}'s server"


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


def _pod_to_json(pod):
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


def _overlay_env(pod, values):
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


def _returned(answer):
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
# The hooks


async def pre_spawn_hook(spawner):
    """Asks hubpolicy to launch the spawn's side services; puts what they returned in the env.

    A denial fails the spawn with the rules' reasons. Returned variables replace same-named entries
    of ``spawner.environment`` (hubpolicy's value is the one the pod gets either way: the pod
    mutation would override them too); every other entry is kept. The dict is replaced, not
    mutated, so a dict shared through configuration is never changed.
    """
    log = _log(spawner)
    settings = load_settings()
    spawner._hubpolicy_returned = {}
    body = await _spawn_request(spawner)
    answer = await _ask(
        settings, log, "/v1/launches?explain=none", body, settings.launch_timeout,
        "without its services",
    )
    if answer is None:
        return
    returned = _returned(answer)
    if returned:
        environment = dict(getattr(spawner, "environment", None) or {})
        for name, value in returned.items():
            if name in environment and environment[name] != value:
                log.info("hubpolicy: %s set by a service replaces the configured value", name)
            environment[name] = value
        spawner.environment = environment
        spawner._hubpolicy_returned = returned
    log.info(
        "hubpolicy decision %s for %s: profiles %s, services returned %s",
        answer.get("decisionId"),
        _describe_spawn(body),
        answer.get("profiles"),
        sorted(returned),
    )


async def modify_pod_hook(spawner, pod):
    """Returns the pod as hubpolicy decides it, as the same kind of object as ``pod``."""
    log = _log(spawner)
    settings = load_settings()
    data, back = _pod_to_json(pod)
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
        _overlay_env(mutated, returned)
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
        return await _in_thread(_request, settings, "POST", path, body, timeout)
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
    log = _log(spawner)
    try:
        user = spawner.user.name
        server = getattr(spawner, "name", "") or ""
        spawner._hubpolicy_returned = {}
        settings = load_settings()
        path = (
            "/v1/launches/"
            + urllib.parse.quote(user, safe="")
            + "?"
            + urllib.parse.urlencode({"server": server, "event": "server-stopped"})
        )
        answer = await _in_thread(_request, settings, "DELETE", path, None, settings.timeout)
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
