"""Ending side services when JupyterHub deletes a named server or a user.

Part of the hub module: ``hubpolicy_hooks`` imports it; copy every ``hub/*.py`` file together.

What JupyterHub 3 calls (``jupyterhub/apihandlers/users.py`` and ``jupyterhub/user.py``):

- Deleting a named server (``DELETE /hub/api/users/{name}/servers/{server}`` with
  ``{"remove": true}``, as the home page's delete button and the idle culler's
  ``--remove-named-servers`` do) stops it, then calls ``Spawner.delete_forever()`` on it.
- Deleting a user (``DELETE /hub/api/users/{name}``, the admin page, the culler's ``--cull-users``)
  stops their default server, calls ``Authenticator.delete_user(user)``, then
  ``Spawner.delete_forever()`` on every one of their servers, the default one (``''``) included.
  The REST API never removes the default server on its own ("Cannot delete the default server"),
  so ``delete_forever()`` on the default server means that its user is being deleted.

``delete_forever`` of a spawner and ``delete_user`` of an authenticator are methods, not
configurable hooks, so they are added by subclassing: ``with_lifecycle(KubeSpawner)`` and
``with_lifecycle(GitHubOAuthenticator)`` return subclasses that call the original method and then
hubpolicy (named e.g. ``KubeSpawnerWithHubPolicy``). Configuration under the original class
name (``c.KubeSpawner.…``) still applies to the subclass.
"""

import importlib
import inspect
import logging

from hubpolicy_http import call, load_settings, log_of, user_path

_DELETED = "_hubpolicy_user_deleted"  # set on a user whose user-deleted services have ended


async def end_lifecycle(user_name, server, event, log):
    """``DELETE /v1/launches/{user}?server=…&event=…``; True when done. Logs, never raises."""
    try:
        settings = load_settings()
        path = user_path("/v1/launches/", user_name, server=server, event=event)
        answer = await call(settings, "DELETE", path)
        deleted = answer.get("deleted") or []
        log.log(
            logging.INFO if deleted else logging.DEBUG,
            "hubpolicy ended the %s services of %s: deleted %s",
            event,
            _whose(user_name, server, event),
            ", ".join(map(str, deleted)) or "nothing",
        )
        return True
    except Exception as e:  # never into the hub: what was deleted is deleted either way
        log.error(
            "hubpolicy: could not end the %s services of %s: %s;"
            " objects launched for them stay until removed",
            event,
            _whose(user_name, server, event),
            e,
        )
        return False


def _whose(user_name, server, event):
    if event == "user-deleted":
        return f"{user_name}'s servers"
    return f"{user_name}'s server {server!r}"


async def on_server_deleted(spawner):
    """For ``Spawner.delete_forever``: ends the server's ``server-deleted`` services.

    On the default server (deleted only with its user) it ends the user's ``user-deleted``
    services of every server instead; nothing when ``on_user_deleted`` already did that.
    """
    user = spawner.user
    if getattr(user, _DELETED, False):
        return
    server = getattr(spawner, "name", "") or ""
    if server:
        await end_lifecycle(user.name, server, "server-deleted", log_of(spawner))
    elif await end_lifecycle(user.name, "", "user-deleted", log_of(spawner)):
        setattr(user, _DELETED, True)


async def on_user_deleted(user, log=None):
    """For ``Authenticator.delete_user``: ends the user's ``user-deleted`` services, all servers."""
    if await end_lifecycle(user.name, "", "user-deleted", log or log_of(user)):
        setattr(user, _DELETED, True)


async def _call_super(result):
    if inspect.isawaitable(result):
        result = await result
    return result


class LifecycleSpawnerMixin:
    """Put first in a spawner's bases: ``delete_forever`` also ends hubpolicy's services."""

    async def delete_forever(self):
        try:
            return await _call_super(super().delete_forever())
        finally:
            await on_server_deleted(self)


class LifecycleAuthenticatorMixin:
    """Put first in an authenticator's bases: ``delete_user`` also ends hubpolicy's services."""

    async def delete_user(self, user):
        result = await _call_super(super().delete_user(user))
        await on_user_deleted(user, log_of(self))
        return result


def _resolve(cls):
    """A class, ``"module.Class"``, or a JupyterHub entry point name (``"kubespawner"``)."""
    if type(cls).__name__ == "LazyConfigValue":  # c.JupyterHub.x read before anything set it
        raise ValueError(
            "with_lifecycle: that setting is not set in this configuration (yet);"
            " pass the class, or its name, e.g. with_lifecycle('kubespawner')"
        )
    if not isinstance(cls, str):
        return cls
    if "." in cls:
        module, _, name = cls.rpartition(".")
        return getattr(importlib.import_module(module), name)
    from importlib.metadata import entry_points

    for group in ("jupyterhub.spawners", "jupyterhub.authenticators"):
        for ep in entry_points(group=group):
            if ep.name == cls:
                return ep.load()
    raise ValueError(f"with_lifecycle: no spawner or authenticator is called {cls!r}")


def with_lifecycle(cls):
    """A subclass of a spawner or authenticator class that tells hubpolicy about deletions.

    A spawner (it has ``delete_forever``) gets ``LifecycleSpawnerMixin``, an authenticator (it has
    ``delete_user``) ``LifecycleAuthenticatorMixin``. ``cls`` may be a class, a dotted name or a
    JupyterHub entry point name such as ``"kubespawner"`` or ``"github"``.
    """
    cls = _resolve(cls)
    if hasattr(cls, "delete_forever") and hasattr(cls, "start"):
        mixin = LifecycleSpawnerMixin
    elif hasattr(cls, "delete_user") and hasattr(cls, "authenticate"):
        mixin = LifecycleAuthenticatorMixin
    else:
        raise TypeError(f"with_lifecycle: {cls!r} is neither a Spawner nor an Authenticator")
    if issubclass(cls, mixin):
        return cls
    # Made by the class's own metaclass (traitlets' sets up the traits of the class it makes).
    name = cls.__name__ + "WithHubPolicy"
    return type(cls)(name, (mixin, cls), {"__module__": __name__, "__doc__": cls.__doc__})
