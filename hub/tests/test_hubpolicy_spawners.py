"""Unit tests of a decision applied to spawners without a pod, and of the lifecycle wiring.

Against the loopback FakeHubPolicy of test_hubpolicy_hooks; JupyterHub's own LocalProcessSpawner
and Authenticator where Debian's jupyterhub is installed.
Run: python3 -m unittest discover -s hub/tests
"""

import logging
import unittest

from test_hubpolicy_hooks import ServerCase, Spawner, User, closed_port, hooks, run

import hubpolicy_apply

try:
    import traitlets
    from jupyterhub.auth import Authenticator, DummyAuthenticator
    from jupyterhub.spawner import LocalProcessSpawner
except ImportError:
    LocalProcessSpawner = None

NEEDS_JUPYTERHUB = "needs Debian's jupyterhub: apt-get install jupyterhub"
LOG = logging.getLogger("test.spawner")

DECISION = {
    "decisionId": "d-7",
    "allowed": True,
    "image": "quay.io/org/nb:2",
    "env": [
        {"name": "SITE", "value": "main"},
        {"name": "KEEP", "value": "from-policy"},
        {"name": "AWS_SECRET_ACCESS_KEY", "valueFrom": {"secretKeyRef": {"name": "u-envs", "key": "k"}}},
        {"name": "SPARK_CLUSTER", "value": "spark-ana"},
    ],
    "resources": {
        "requests": {"cpu": "500m", "memory": "1.5Gi"},
        "limits": {"cpu": "2", "memory": "4Gi", "nvidia.com/gpu": "1"},
    },
    "services": {"spark": {"returned": {"SPARK_CLUSTER": "spark-ana"}}},
}


def local_spawner(**traits):
    spawner = LocalProcessSpawner(user=User("ana", ["data"]), **traits)
    spawner.log = LOG
    return spawner


if LocalProcessSpawner is not None:

    class ImageSpawner(LocalProcessSpawner):
        """A spawner with an image trait and no pod, like DockerSpawner."""

        image = traitlets.Unicode("configured:1", config=True)


@unittest.skipIf(LocalProcessSpawner is None, NEEDS_JUPYTERHUB)
class LocalSpawnerTest(ServerCase):
    def test_a_local_process_spawner_gets_the_decision(self):
        self.hp.answer(200, DECISION)
        configured = {"KEEP": "configured", "OTHER": "1"}
        spawner = local_spawner(environment=configured, mem_limit="8G", user_options={"image": "quay.io/org/nb:2"})
        with self.assertLogs("test.spawner", "INFO") as logs:
            run(hooks.pre_spawn_hook(spawner))
        self.assertEqual(
            {"KEEP": "from-policy", "OTHER": "1", "SITE": "main", "SPARK_CLUSTER": "spark-ana"},
            spawner.environment,
        )
        self.assertEqual({"KEEP": "configured", "OTHER": "1"}, configured, "not mutated")
        self.assertEqual(4 * 2**30, spawner.mem_limit)
        self.assertEqual(1610612736, spawner.mem_guarantee)
        self.assertEqual((2.0, 0.5), (spawner.cpu_limit, spawner.cpu_guarantee))
        self.assertFalse(spawner.has_trait("image"))
        warning = next(line for line in logs.output if line.startswith("WARNING"))
        self.assertIn("AWS_SECRET_ACCESS_KEY not set: their valueFrom needs Kubernetes (decision d-7)", warning)
        self.assertTrue(any("limits.nvidia.com/gpu apply only to pods" in line for line in logs.output))
        self.assertEqual("quay.io/org/nb:2", self.hp.requests[0]["body"]["image"])

    def test_the_image_where_the_spawner_has_that_trait(self):
        self.hp.answer(200, DECISION)
        spawner = ImageSpawner(user=User("ana"))
        spawner.log = LOG
        with self.assertLogs("test.spawner", "WARNING"):
            run(hooks.pre_spawn_hook(spawner))
        self.assertEqual("quay.io/org/nb:2", spawner.image)
        self.assertEqual("configured:1", self.hp.requests[0]["body"]["image"])

    def test_a_spawner_that_reads_user_options_runs_the_decided_image(self):
        """DockerSpawner's start() runs user_options['image'] (with allowed_images = "*")."""
        self.hp.answer(200, DECISION)
        spawner = ImageSpawner(user=User("ana"), user_options={"image": "nb:1", "size": "Small"})
        spawner.log = LOG
        with self.assertLogs("test.spawner", "WARNING"):
            run(hooks.pre_spawn_hook(spawner))
        self.assertEqual({"image": "quay.io/org/nb:2", "size": "Small"}, spawner.user_options)
        self.assertEqual("quay.io/org/nb:2", spawner.image)

    def test_each_spawn_starts_from_what_was_configured(self):
        spawner = ImageSpawner(user=User("ana"), environment={"A": "1"}, mem_limit="1G")
        spawner.log = LOG
        self.hp.answer(200, DECISION)
        with self.assertLogs("test.spawner", "WARNING"):
            run(hooks.pre_spawn_hook(spawner))
        self.hp.answer(200, {"decisionId": "d-8", "image": None, "env": [{"name": "B", "value": "2"}], "resources": {}})
        run(hooks.pre_spawn_hook(spawner))
        self.assertEqual({"A": "1", "B": "2"}, spawner.environment)
        self.assertEqual((2**30, None, None, None),
                         (spawner.mem_limit, spawner.mem_guarantee, spawner.cpu_limit, spawner.cpu_guarantee))
        self.assertEqual("configured:1", spawner.image)
        self.assertEqual("configured:1", self.hp.requests[1]["body"]["image"], "not the last decision's image")

    def test_spawn_unmodified_starts_as_configured(self):
        spawner = local_spawner(environment={"A": "1"})
        self.hp.answer(200, DECISION)
        with self.assertLogs("test.spawner", "WARNING"):
            run(hooks.pre_spawn_hook(spawner))
        self.env(URL=f"http://127.0.0.1:{closed_port()}", ON_UNAVAILABLE="spawn-unmodified")
        with self.assertLogs("test.spawner", "WARNING"):
            run(hooks.pre_spawn_hook(spawner))
        self.assertEqual(({"A": "1"}, None, None), (spawner.environment, spawner.mem_limit, spawner.cpu_limit))

    def test_a_resource_the_hub_cannot_read_fails_the_spawn(self):
        self.hp.answer(200, {"decisionId": "d", "resources": {"limits": {"memory": "lots"}}})
        with self.assertRaises(hooks.HubPolicyError) as cm:
            run(hooks.pre_spawn_hook(local_spawner()))
        self.assertEqual(
            "hubpolicy's decision cannot be applied: resources.limits.memory: 'lots' is not a Kubernetes quantity",
            str(cm.exception),
        )

    def test_a_denial_still_fails_the_spawn(self):
        self.hp.answer(403, {"error": "x", "reasons": ["ana may not use GPUs"], "decisionId": "d"})
        spawner = local_spawner()
        with self.assertRaises(hooks.HubPolicyDenied) as cm:
            run(hooks.pre_spawn_hook(spawner))
        self.assertEqual("ana may not use GPUs", cm.exception.jupyterhub_message)
        self.assertEqual((None, {}), (spawner.mem_limit, spawner.environment))


class PodSpawnerTest(ServerCase):
    def test_with_a_pod_only_the_returned_values_and_the_image_are_set(self):
        self.hp.answer(200, DECISION)
        spawner = Spawner(User("ana"), image="configured:1", environment={"A": "1"})
        spawner.mem_limit = None
        run(hooks.pre_spawn_hook(spawner))
        self.assertEqual({"A": "1", "SPARK_CLUSTER": "spark-ana"}, spawner.environment)
        self.assertEqual("quay.io/org/nb:2", spawner.image, "the pod runs the image decided for")
        self.assertIsNone(spawner.mem_limit, "the pod hook sets resources")
        self.hp.answer(200, {"decisionId": "d-2"})
        run(hooks.pre_spawn_hook(spawner))
        self.assertEqual({"A": "1"}, spawner.environment, "nothing left from the last spawn")
        self.assertEqual("configured:1", spawner.image)
        self.assertEqual("configured:1", self.hp.requests[1]["body"]["image"])

    def test_a_kubespawner_without_the_pod_hook_is_warned_about(self):
        self.hp.answer(200, DECISION)
        spawner = Spawner(User("ana"), image="configured:1")
        spawner.modify_pod_hook = None
        with self.assertLogs("test.spawner", "WARNING") as logs:
            run(hooks.pre_spawn_hook(spawner))
        self.assertIn("has no modify_pod_hook", logs.output[0])
        self.assertEqual("main", spawner.environment["SITE"])


class QuantityTest(unittest.TestCase):
    def test_memory_in_bytes_and_cpu_in_cores(self):
        for text, expected in [("4Gi", 4 * 2**30), ("1.5Gi", 1610612736), ("100M", 10**8), ("1e3", 1000),
                               ("1Ki", 1024), ("128974848", 128974848), ("0.5Ki", 512), ("1m", 1), ("2E", 2 * 10**18)]:
            self.assertEqual(expected, hubpolicy_apply.to_bytes(text), text)
        for text, expected in [("500m", 0.5), ("2", 2.0), ("0.25", 0.25), ("1500m", 1.5), ("100u", 0.0001)]:
            self.assertEqual(expected, hubpolicy_apply.to_cores(text), text)
        for bad in ("", "1 Gi", "Gi", "1GB", "-", "1.2.3"):
            with self.assertRaises(ValueError):
                hubpolicy_apply.quantity(bad)

    @unittest.skipIf(LocalProcessSpawner is None, NEEDS_JUPYTERHUB)
    def test_jupyterhubs_byte_specification_takes_them(self):
        spawner = local_spawner()
        spawner.mem_limit = hubpolicy_apply.to_bytes("1.5Gi")
        self.assertEqual(1610612736, spawner.mem_limit)


# ---------------------------------------------------------------------------------------------
# Lifecycle


class RecordingSpawner:
    """A spawner base that records its own delete_forever (as KubeSpawner deletes a PVC)."""

    def __init__(self, user, name=""):
        self.user, self.name, self.log, self.calls = user, name, LOG, []

    def start(self):
        pass

    def delete_forever(self):
        self.calls.append("delete_forever")


class FailingSpawner(RecordingSpawner):
    async def delete_forever(self):
        raise RuntimeError("the PVC would not go")


class RecordingAuthenticator:
    def __init__(self):
        self.log, self.deleted = LOG, []

    def authenticate(self, handler, data):
        pass

    def delete_user(self, user):
        self.deleted.append(user.name)


class LifecycleTest(ServerCase):
    def paths(self):
        return [(r["method"], r["path"]) for r in self.hp.requests]

    def test_deleting_a_named_server_ends_its_server_deleted_services(self):
        self.hp.answer(200, {"deleted": ["SparkCluster/spark-ana-gpu"], "kept": []})
        spawner = hooks.with_lifecycle(RecordingSpawner)(User("ana b"), name="gpu 1")
        with self.assertLogs("test.spawner", "INFO") as logs:
            run(spawner.delete_forever())
        self.assertEqual(["delete_forever"], spawner.calls, "the spawner's own delete_forever too")
        self.assertEqual([("DELETE", "/v1/launches/ana%20b?server=gpu+1&event=server-deleted")], self.paths())
        self.assertIn("SparkCluster/spark-ana-gpu", logs.output[0])

    def test_deleting_the_default_server_is_deleting_the_user(self):
        self.hp.answer(200, {"deleted": [], "kept": []})
        user = User("ana")
        run(hooks.with_lifecycle(RecordingSpawner)(user).delete_forever())
        self.assertEqual([("DELETE", "/v1/launches/ana?server=&event=user-deleted")], self.paths())

    def test_deleting_a_user_ends_the_user_deleted_services_once(self):
        """As JupyterHub 3's DELETE /hub/api/users/{name}: delete_user, then every delete_forever."""
        self.hp.answer(200, {"deleted": ["SparkCluster/spark-ana"], "kept": []})
        user = User("ana")
        authenticator = hooks.with_lifecycle(RecordingAuthenticator)()
        spawner_class = hooks.with_lifecycle(RecordingSpawner)
        spawners = [spawner_class(user, ""), spawner_class(user, "gpu")]
        run(authenticator.delete_user(user))
        for spawner in spawners:
            run(spawner.delete_forever())
        self.assertEqual(["ana"], authenticator.deleted)
        self.assertEqual([("DELETE", "/v1/launches/ana?server=&event=user-deleted")], self.paths())
        self.assertEqual([["delete_forever"]] * 2, [s.calls for s in spawners])

    def test_errors_never_reach_the_hub(self):
        self.hp.answer(500, {"error": "internal error"})
        spawner = hooks.with_lifecycle(RecordingSpawner)(User("ana"), name="gpu")
        with self.assertLogs("test.spawner", "ERROR") as logs:
            run(spawner.delete_forever())
        self.assertIn("could not end the server-deleted services of ana's server 'gpu'", logs.output[0])
        self.env(URL=f"http://127.0.0.1:{closed_port()}")
        user = User("ana")
        with self.assertLogs("test.spawner", "ERROR"):
            run(hooks.with_lifecycle(RecordingAuthenticator)().delete_user(user))
        self.hp.answer(200, {"deleted": []})
        self.env(URL=self.hp.url)
        run(hooks.with_lifecycle(RecordingSpawner)(user).delete_forever())
        self.assertEqual("user-deleted", self.hp.requests[-1]["path"].rsplit("=", 1)[1],
                         "the default server ends them when the authenticator could not")

    def test_the_spawners_own_error_still_ends_the_services(self):
        self.hp.answer(200, {"deleted": []})
        spawner = hooks.with_lifecycle(FailingSpawner)(User("ana"), name="gpu")
        with self.assertRaises(RuntimeError):
            run(spawner.delete_forever())
        self.assertEqual("DELETE", self.hp.requests[0]["method"])

    def test_with_lifecycle_tells_spawners_from_authenticators(self):
        with self.assertRaises(TypeError):
            hooks.with_lifecycle(dict)
        cls = hooks.with_lifecycle(RecordingSpawner)
        self.assertTrue(issubclass(cls, RecordingSpawner))
        self.assertTrue(issubclass(cls, hooks.LifecycleSpawnerMixin))
        self.assertIs(cls, hooks.with_lifecycle(cls), "once is enough")
        self.assertEqual("RecordingSpawnerWithHubPolicy", cls.__name__)

    @unittest.skipIf(LocalProcessSpawner is None, NEEDS_JUPYTERHUB)
    def test_jupyterhub_classes_by_name_keep_their_configuration(self):
        from traitlets.config import Config

        for name in ("jupyterhub.spawner.LocalProcessSpawner", "localprocess"):
            cls = hooks.with_lifecycle(name)
            self.assertTrue(issubclass(cls, LocalProcessSpawner))
        config = Config()
        config.LocalProcessSpawner.cmd = ["my-singleuser"]
        config.Spawner.mem_limit = "2G"
        spawner = hooks.with_lifecycle(LocalProcessSpawner)(user=User("ana"), config=config)
        self.assertEqual((["my-singleuser"], 2 * 2**30), (spawner.cmd, spawner.mem_limit))
        auth_class = hooks.with_lifecycle("dummy")
        self.assertTrue(issubclass(auth_class, DummyAuthenticator))
        self.assertTrue(issubclass(auth_class, hooks.LifecycleAuthenticatorMixin))
        with self.assertRaises(ValueError):
            hooks.with_lifecycle("no-such-spawner")
        with self.assertRaises(ValueError) as cm:
            hooks.with_lifecycle(Config().JupyterHub.authenticator_class)  # never set
        self.assertIn("not set in this configuration", str(cm.exception))

    @unittest.skipIf(LocalProcessSpawner is None, NEEDS_JUPYTERHUB)
    def test_jupyterhubs_authenticator_keeps_its_own_delete_user(self):
        self.hp.answer(200, {"deleted": []})
        authenticator = hooks.with_lifecycle(Authenticator)(allowed_users={"ana", "bob"})
        user = User("ana")
        run(authenticator.delete_user(user))
        self.assertEqual({"bob"}, authenticator.allowed_users)
        self.assertEqual([("DELETE", "/v1/launches/ana?server=&event=user-deleted")], self.paths())


if __name__ == "__main__":
    unittest.main()
