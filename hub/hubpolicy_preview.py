"""The spawn form's live preview: a hub handler that asks hubpolicy's ``POST /v1/previews``.

Part of the hub module: ``hubpolicy_hooks`` imports it (use ``hubpolicy_hooks.PreviewHandler``);
copy every ``hub/*.py`` file together.
"""

import json

import hubpolicy_form as _form
from hubpolicy_http import (
    HubPolicyDenied,
    HubPolicyError,
    call,
    gpu_count,
    load_settings,
    log_of,
    user_groups,
)


async def preview(user, args, log=None):
    """(HTTP status, JSON) of the preview for the hub's logged-in ``user``.

    ``args``: the page's choices (``image``, ``size``, ``gpu``, ``gpuType``, ``server``) and the
    name of the user the form is for, which must be ``user`` (the preview never takes a user from
    the request). Calls ``POST /v1/previews`` (not audited); the answer is ``{"state": "ok" |
    "denied" | "error", "summary": [{"label", "text"}]}``.
    """
    log = log or log_of(user)
    for_user = args.get("user")
    if for_user and for_user != user.name:
        return 403, _preview_error("the live preview is only for your own servers")
    try:
        settings = load_settings()
        body = {
            "user": user.name,
            "groups": await user_groups(user, log),
            "server": args.get("server") or "",
        }
        for key in ("image", "size", "gpuType"):
            if args.get(key):
                body[key] = args[key]
        gpu = gpu_count(args.get("gpu"), "gpu")
        if gpu is not None:
            body["gpu"] = gpu
        decision = await call(settings, "POST", "/v1/previews", body)
    except HubPolicyDenied as e:  # a choice this user may not make
        return 200, {"state": "denied", "summary": [{"label": "Denied", "text": str(e)}]}
    except HubPolicyError as e:
        log.warning("hubpolicy: no preview for %s: %s", user.name, e)
        return e.status_code, _preview_error(str(e))
    state, items = _form.summary(decision)
    return 200, {"state": state, "summary": items}


def _preview_error(text):
    return {"state": "error", "summary": [{"label": "Preview", "text": text}]}


try:  # PreviewHandler exists where JupyterHub does; the rest of the module imports anywhere.
    from jupyterhub.handlers import BaseHandler as _BaseHandler
    from tornado import web as _web
except ImportError:  # pragma: no cover - exercised only without jupyterhub
    _BaseHandler = None

if _BaseHandler is not None:

    class PreviewHandler(_BaseHandler):
        """``GET {hub}/hubpolicy/preview?image=&size=&gpu=&gpuType=&server=&user=``.

        Mount it with ``c.JupyterHub.extra_handlers = [(r"/hubpolicy/preview",
        hubpolicy_hooks.PreviewHandler)]``. The user is the hub's logged-in user; a GET because
        a preview changes nothing (and needs no XSRF token).
        """

        @_web.authenticated
        async def get(self):
            args = {
                k: self.get_query_argument(k, None)
                for k in ("user", "server", "image", "size", "gpu", "gpuType")
            }
            status, answer = await preview(self.current_user, args, self.log)
            self.set_status(status)
            self.set_header("Content-Type", "application/json; charset=utf-8")
            self.set_header("Cache-Control", "no-store")
            self.finish(json.dumps(answer))

else:  # pragma: no cover
    PreviewHandler = None
