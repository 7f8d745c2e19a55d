"""hubpolicy's HTTP client for the hub: settings, errors and calls (standard library only).

Part of the hub module: ``hubpolicy_hooks`` imports it; copy every ``hub/*.py`` file together.
"""

import asyncio
import concurrent.futures
import functools
import inspect
import json
import logging
import os
import socket
import ssl
import urllib.error
import urllib.parse
import urllib.request

DEFAULT_TIMEOUT = 10.0
DEFAULT_LAUNCH_TIMEOUT = 90.0
ON_UNAVAILABLE_CHOICES = ("fail", "spawn-unmodified")

LOG = logging.getLogger("hubpolicy_hooks")

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
    (log or LOG).info("hubpolicy hooks: %r", settings)
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


def request(settings, method, path, body, timeout):
    """One call, blocking: the answer's JSON object, or the exception that says what went wrong."""
    status, payload = _call(settings, method, path, body, timeout)
    return _expect_answer(settings, method, path, status, payload)


async def call(settings, method, path, body=None, timeout=None):
    """``request`` on a thread of the hooks' pool, so that the hub's event loop never waits."""
    return await _in_thread(
        request, settings, method, path, body, settings.timeout if timeout is None else timeout
    )


def user_path(prefix, user, **query):
    """``prefix/{user}?query`` with the user name and the query encoded."""
    path = prefix + urllib.parse.quote(user, safe="")
    return path + ("?" + urllib.parse.urlencode(query, doseq=True) if query else "")


# ---------------------------------------------------------------------------------------------
# What the hub knows about a user


def log_of(obj):
    """The logger of a spawner, authenticator or user, else the module's."""
    log = getattr(obj, "log", None)
    return log if log is not None else LOG


def option(value, what):
    """A user option as one string: forms give lists of strings, APIs give strings."""
    if isinstance(value, (list, tuple)):
        if len(value) > 1:
            raise HubPolicyError(f"{what} must be one value, got {len(value)}", 400)
        value = value[0] if value else None
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise HubPolicyError(f"{what} must be a string, got {type(value).__name__}", 400)
    return str(value)


def gpu_count(value, what):
    """A GPU count from the form, the page or an API caller, as an int (None when not given)."""
    gpu = option(value, what)
    if gpu is None:
        return None
    try:
        return int(gpu)
    except ValueError:
        raise HubPolicyError(f"{what} must be a whole number, got {gpu!r}", 400) from None


async def user_groups(user, log=None):
    """The auth state's ``groups`` where the authenticator keeps them, else the hub's groups."""
    get_auth_state = getattr(user, "get_auth_state", None)
    if get_auth_state is not None:
        try:
            state = get_auth_state()
            if inspect.isawaitable(state):
                state = await state
        except Exception as e:  # auth state not enabled or not decryptable
            (log or LOG).debug("hubpolicy: no auth state for %s: %s", user.name, e)
            state = None
        if isinstance(state, dict) and isinstance(state.get("groups"), (list, tuple)):
            return [str(g) for g in state["groups"]]
    return [getattr(g, "name", str(g)) for g in (getattr(user, "groups", None) or [])]


