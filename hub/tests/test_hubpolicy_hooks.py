"""Unit tests of hubpolicy_hooks against a real HTTP server on loopback (standard library only).

Run: python3 -m unittest discover -s hub/tests   (from the repository's top directory)
"""

import asyncio
import http.server
import json
import logging
import os
import shutil
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import types
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))

import hubpolicy_hooks as hooks  # noqa: E402

try:
    import kubernetes.client as k8s
except ImportError:  # the hooks do not need it; the tests of its models do
    k8s = None

TOKEN = "t0ken-for-tests"
# The hooks log through the spawner's logger; the tests read it with assertLogs, not on stderr.
logging.getLogger("test.spawner").addHandler(logging.NullHandler())
logging.getLogger("test.spawner").propagate = False


class FakeHubPolicy:
    """A tiny HTTP server: records each request, answers from a list of (status, body, delay)."""

    def __init__(self, tls=None):
        self.requests = []
        self.answers = []
        self.default = (200, {}, 0)
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                owner.requests.append(
                    {
                        "method": self.command,
                        "path": self.path,
                        "headers": dict(self.headers),
                        "body": json.loads(raw) if raw else None,
                    }
                )
                status, body, delay = owner.answers.pop(0) if owner.answers else owner.default
                if delay:
                    time.sleep(delay)
                data = body.encode() if isinstance(body, str) else json.dumps(body).encode()
                try:
                    self.send_response(status)
                    ctype = "text/html" if isinstance(body, str) else "application/json"
                    self.send_header("Content-Type", ctype)
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:
                    pass  # the client gave up (timeout tests)

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        scheme = "http"
        if tls:
            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            context.load_cert_chain(*tls)
            self.server.socket = context.wrap_socket(self.server.socket, server_side=True)
            scheme = "https"
        self.url = f"{scheme}://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self.thread.start()

    def answer(self, status, body, delay=0):
        self.answers.append((status, body, delay))

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class Group:
    def __init__(self, name):
        self.name = name


class User:
    def __init__(self, name, groups=(), auth_state=None, id=None):
        self.name = name
        if id is not None:
            self.id = id
        self.groups = [Group(g) for g in groups]
        self._auth_state = auth_state

    async def get_auth_state(self):
        return self._auth_state


class Spawner:
    """The attributes of a KubeSpawner the hooks read (with a modify_pod_hook: a pod)."""

    def __init__(self, user, name="", user_options=None, image=None, environment=None):
        self.user = user
        self.name = name
        self.user_options = user_options or {}
        self.image = image
        self.environment = environment if environment is not None else {}
        self.log = logging.getLogger("test.spawner")
        self.modify_pod_hook = hooks.modify_pod_hook


def closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run(coro):
    return asyncio.run(coro)


POD = {
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "jupyter-ana", "labels": {"component": "singleuser-server"}},
    "spec": {
        "containers": [
            {"name": "notebook", "image": "nb:1", "env": [{"name": "JUPYTERHUB_USER", "value": "ana"}]}
        ]
    },
}


def mutated(pod, **env):
    out = json.loads(json.dumps(pod))
    c = out["spec"]["containers"][0]
    c["env"] = c.get("env", []) + [{"name": k, "value": v} for k, v in env.items()]
    c["resources"] = {"limits": {"memory": "2Gi"}}
    out["spec"]["tolerations"] = [{"key": "gpu", "operator": "Exists", "effect": "NoSchedule"}]
    return out


class EnvCase(unittest.TestCase):
    """Sets HUBPOLICY_* for one test and restores the environment afterwards."""

    def setUp(self):
        self.saved = {k: v for k, v in os.environ.items() if k.startswith("HUBPOLICY_")}
        for k in self.saved:
            del os.environ[k]
        self.tmp = tempfile.mkdtemp(prefix="hubpolicy-hooks-")

    def tearDown(self):
        for k in [k for k in os.environ if k.startswith("HUBPOLICY_")]:
            del os.environ[k]
        os.environ.update(self.saved)
        shutil.rmtree(self.tmp, ignore_errors=True)

    def env(self, **values):
        for k, v in values.items():
            os.environ["HUBPOLICY_" + k] = v


class ServerCase(EnvCase):
    def setUp(self):
        super().setUp()
        self.hp = FakeHubPolicy()
        self.env(URL=self.hp.url, TOKEN=TOKEN, TIMEOUT="5")

    def tearDown(self):
        self.hp.close()
        super().tearDown()


class SettingsTest(EnvCase):
    def assertRefused(self, fragment, **env):
        with self.assertRaises(hooks.HubPolicyConfigError) as cm:
            hooks.load_settings(env)
        self.assertIn(fragment, str(cm.exception))
        self.assertEqual(500, cm.exception.status_code)
        return cm.exception

    def test_url_is_required_and_must_be_http(self):
        self.assertRefused("HUBPOLICY_URL is not set", HUBPOLICY_TOKEN="x")
        self.assertRefused("http:// or https://", HUBPOLICY_URL="hubpolicy:8080", HUBPOLICY_TOKEN="x")
        self.assertRefused("invalid port", HUBPOLICY_URL="http://h:99999", HUBPOLICY_TOKEN="x")
        self.assertRefused("without user, query", HUBPOLICY_URL="http://h/?a=b", HUBPOLICY_TOKEN="x")

    def test_exactly_one_token_source(self):
        self.assertRefused("no token for hubpolicy", HUBPOLICY_URL="http://h")
        self.assertRefused(
            "only one", HUBPOLICY_URL="http://h", HUBPOLICY_TOKEN="x", HUBPOLICY_TOKEN_FILE="/f"
        )
        missing = os.path.join(self.tmp, "missing")
        self.assertRefused("cannot be read", HUBPOLICY_URL="http://h", HUBPOLICY_TOKEN_FILE=missing)
        empty = os.path.join(self.tmp, "empty")
        with open(empty, "w") as f:
            f.write("\n# comment\n")
        self.assertRefused("holds no token", HUBPOLICY_URL="http://h", HUBPOLICY_TOKEN_FILE=empty)

    def test_token_file_first_token_and_defaults(self):
        path = os.path.join(self.tmp, "token")
        with open(path, "w") as f:
            f.write("\n# hubpolicy tokens\n  abc123  \nsecond\n")
        s = hooks.load_settings({"HUBPOLICY_URL": "http://hp:8080/", "HUBPOLICY_TOKEN_FILE": path})
        self.assertEqual("abc123", s.token)
        self.assertEqual("http://hp:8080", s.url)
        self.assertEqual(hooks.DEFAULT_TIMEOUT, s.timeout)
        self.assertEqual(hooks.DEFAULT_LAUNCH_TIMEOUT, s.launch_timeout)
        self.assertEqual("fail", s.on_unavailable)
        self.assertNotIn("abc123", repr(s))

    def test_timeouts_and_on_unavailable(self):
        base = {"HUBPOLICY_URL": "http://h", "HUBPOLICY_TOKEN": "x"}
        for bad in ("abc", "0", "-1", "inf"):
            self.assertRefused("HUBPOLICY_TIMEOUT", **base, HUBPOLICY_TIMEOUT=bad)
        self.assertRefused("HUBPOLICY_LAUNCH_TIMEOUT", **base, HUBPOLICY_LAUNCH_TIMEOUT="x")
        self.assertRefused("'fail' or 'spawn-unmodified'", **base, HUBPOLICY_ON_UNAVAILABLE="skip")
        s = hooks.load_settings(
            {**base, "HUBPOLICY_TIMEOUT": "2.5", "HUBPOLICY_ON_UNAVAILABLE": "Spawn-Unmodified"}
        )
        self.assertEqual((2.5, "spawn-unmodified"), (s.timeout, s.on_unavailable))

    def test_ca_file_needs_https_and_a_file(self):
        self.assertRefused(
            "not https", HUBPOLICY_URL="http://h", HUBPOLICY_TOKEN="x", HUBPOLICY_CA_FILE=__file__
        )
        self.assertRefused(
            "not a readable file",
            HUBPOLICY_URL="https://h",
            HUBPOLICY_TOKEN="x",
            HUBPOLICY_CA_FILE=os.path.join(self.tmp, "nope.pem"),
        )
        with self.assertRaises(hooks.HubPolicyConfigError) as cm:
            hooks.check_settings(
                {"HUBPOLICY_URL": "https://h", "HUBPOLICY_TOKEN": "x", "HUBPOLICY_CA_FILE": __file__}
            )
        self.assertIn("not a PEM CA bundle", str(cm.exception))

    def test_a_hook_with_bad_settings_fails_the_spawn_readably(self):
        spawner = Spawner(User("ana"))
        with self.assertRaises(hooks.HubPolicyConfigError) as cm:
            run(hooks.pre_spawn_hook(spawner))
        self.assertIn("HUBPOLICY_URL is not set", cm.exception.jupyterhub_message)


class ModifyPodHookTest(ServerCase):
    def test_sends_the_spawn_and_returns_the_mutated_dict(self):
        self.hp.answer(200, {"decisionId": "d-1", "allowed": True, "pod": mutated(POD, TEAM="data")})
        spawner = Spawner(
            User("ana", groups=["data", "gpu"]),
            name="big",
            user_options={"image": ["spark:1"], "size": "Large"},
            image="default:1",
        )
        out = run(hooks.modify_pod_hook(spawner, POD))
        self.assertIsInstance(out, dict)
        self.assertEqual({"name": "TEAM", "value": "data"}, out["spec"]["containers"][0]["env"][-1])
        r = self.hp.requests[0]
        self.assertEqual(("POST", "/v1/decisions?explain=none"), (r["method"], r["path"]))
        self.assertEqual("Bearer " + TOKEN, r["headers"]["Authorization"])
        self.assertEqual(
            {
                "user": "ana",
                "groups": ["data", "gpu"],
                "server": "big",
                "image": "spark:1",
                "size": "Large",
                "pod": POD,
            },
            r["body"],
        )

    def test_groups_from_auth_state_and_image_from_the_spawner(self):
        self.hp.answer(200, {"pod": POD})
        spawner = Spawner(
            User("ana", groups=["hub-group"], auth_state={"groups": ["idp-a", "idp-b"]}),
            image="default:1",
        )
        run(hooks.modify_pod_hook(spawner, POD))
        body = self.hp.requests[0]["body"]
        self.assertEqual(["idp-a", "idp-b"], body["groups"])
        self.assertEqual("default:1", body["image"])
        self.assertEqual("", body["server"])
        self.assertNotIn("size", body)

    def test_auth_state_without_groups_falls_back_to_hub_groups(self):
        self.hp.answer(200, {"pod": POD})
        run(hooks.modify_pod_hook(Spawner(User("ana", ["g"], auth_state={"x": 1})), POD))
        self.assertEqual(["g"], self.hp.requests[0]["body"]["groups"])

    @unittest.skipIf(k8s is None, "needs python3-kubernetes: apt-get install python3-kubernetes")
    def test_a_kubernetes_v1pod_comes_back_as_a_v1pod(self):
        pod = k8s.V1Pod(
            api_version="v1",
            kind="Pod",
            metadata=k8s.V1ObjectMeta(name="jupyter-ana", labels={"component": "singleuser-server"}),
            spec=k8s.V1PodSpec(
                containers=[
                    k8s.V1Container(
                        name="notebook",
                        image="nb:1",
                        env=[k8s.V1EnvVar(name="JUPYTERHUB_USER", value="ana")],
                    )
                ]
            ),
        )
        self.hp.answer(200, {"pod": mutated(POD, TEAM="data")})
        out = run(hooks.modify_pod_hook(Spawner(User("ana")), pod))
        self.assertIs(type(out), k8s.V1Pod)
        self.assertEqual(POD, self.hp.requests[0]["body"]["pod"], "sent as the ApiClient serialises it")
        c = out.spec.containers[0]
        self.assertIsInstance(c, k8s.V1Container)
        self.assertIsInstance(c.env[-1], k8s.V1EnvVar)
        self.assertEqual(("TEAM", "data"), (c.env[-1].name, c.env[-1].value))
        self.assertEqual({"memory": "2Gi"}, c.resources.limits)
        self.assertIsInstance(out.spec.tolerations[0], k8s.V1Toleration)

    def test_a_model_of_another_package_uses_that_packages_api_client(self):
        """As with kubernetes_asyncio: serialised and rebuilt by the pod's own ApiClient, never
        constructed (its constructor would open a session)."""
        calls = []

        class ApiClient:
            def __init__(self):
                raise AssertionError("ApiClient() must not be constructed")

            def sanitize_for_serialization(self, obj):
                calls.append("sanitize")
                return {"kind": "Pod", "metadata": {"name": obj.name}}

            def deserialize(self, response, klass):
                calls.append("deserialize")
                data = json.loads(response.data)
                return klass(data["metadata"]["name"] + "-mutated")

        class V1Pod:
            openapi_types = {"name": "str"}
            attribute_map = {"name": "name"}

            def __init__(self, name):
                self.name = name

        V1Pod.__module__ = "fake_k8s_asyncio.client.models.v1_pod"
        client_pkg = types.ModuleType("fake_k8s_asyncio.client")
        client_pkg.ApiClient = ApiClient
        sys.modules["fake_k8s_asyncio"] = types.ModuleType("fake_k8s_asyncio")
        sys.modules["fake_k8s_asyncio.client"] = client_pkg
        try:
            self.hp.answer(200, {"pod": {"kind": "Pod", "metadata": {"name": "jupyter-ana"}}})
            out = run(hooks.modify_pod_hook(Spawner(User("ana")), V1Pod("jupyter-ana")))
        finally:
            del sys.modules["fake_k8s_asyncio"], sys.modules["fake_k8s_asyncio.client"]
        self.assertIs(type(out), V1Pod)
        self.assertEqual("jupyter-ana-mutated", out.name)
        self.assertEqual(["sanitize", "deserialize"], calls)

    def test_something_else_than_a_pod_is_refused(self):
        with self.assertRaises(TypeError):
            run(hooks.modify_pod_hook(Spawner(User("ana")), object()))

    def test_values_a_launch_returned_win_over_the_decision(self):
        self.hp.answer(200, {"pod": mutated(POD, SPARK_CLUSTER="static", OTHER="x")})
        spawner = Spawner(User("ana"))
        spawner._hubpolicy_returned = {"SPARK_CLUSTER": "spark-ana"}
        out = run(hooks.modify_pod_hook(spawner, POD))
        env = out["spec"]["containers"][0]["env"]
        self.assertEqual(
            [("JUPYTERHUB_USER", "ana"), ("SPARK_CLUSTER", "spark-ana"), ("OTHER", "x")],
            [(e["name"], e["value"]) for e in env],
        )

    def test_denial_is_the_rules_reason(self):
        self.hp.answer(
            403,
            {"error": "x", "decisionId": "d-9", "reasons": ["mallory is suspended until Friday"]},
        )
        with self.assertRaises(hooks.HubPolicyDenied) as cm:
            run(hooks.modify_pod_hook(Spawner(User("mallory")), POD))
        self.assertEqual("mallory is suspended until Friday", cm.exception.jupyterhub_message)
        self.assertEqual("d-9", cm.exception.decision_id)
        self.assertEqual(403, cm.exception.status_code)

    def test_unavailable_fails_or_returns_the_pod_unmodified(self):
        self.hp.answer(503, {"error": "no configuration has loaded yet"})
        with self.assertRaises(hooks.HubPolicyUnavailable) as cm:
            run(hooks.modify_pod_hook(Spawner(User("ana")), POD))
        self.assertIn("hubpolicy is unavailable", str(cm.exception))
        self.assertIn("503: no configuration has loaded yet", str(cm.exception))

        self.env(ON_UNAVAILABLE="spawn-unmodified")
        self.hp.answer(503, {"error": "no configuration has loaded yet"})
        spawner = Spawner(User("ana"))
        with self.assertLogs("test.spawner", "WARNING") as logs:
            out = run(hooks.modify_pod_hook(spawner, POD))
        self.assertIs(POD, out)
        self.assertIn("spawn-unmodified", logs.output[0])

    def test_an_answer_without_the_pod_fails(self):
        self.hp.answer(200, {"allowed": True})
        with self.assertRaises(hooks.HubPolicyError) as cm:
            run(hooks.modify_pod_hook(Spawner(User("ana")), POD))
        self.assertIn("without the mutated pod", str(cm.exception))


class PreSpawnHookTest(ServerCase):
    LAUNCHED = {
        "decisionId": "d-2",
        "allowed": True,
        "profiles": ["spark"],
        "env": [{"name": "SITE", "value": "main"}, {"name": "SPARK_CLUSTER", "value": "spark-ana"}],
        "services": {"spark": {"returned": {"SPARK_CLUSTER": "spark-ana"}}},
        "anchor": "hubpolicy-services-ana",
    }

    def test_returned_variables_go_into_the_environment(self):
        self.hp.answer(200, self.LAUNCHED)
        configured = {"KEEP": "me", "SPARK_CLUSTER": "configured"}
        spawner = Spawner(User("ana", ["data"]), user_options={"image": "spark:1"}, environment=configured)
        run(hooks.pre_spawn_hook(spawner))
        self.assertEqual({"KEEP": "me", "SPARK_CLUSTER": "spark-ana"}, spawner.environment)
        self.assertEqual({"KEEP": "me", "SPARK_CLUSTER": "configured"}, configured, "not mutated")
        self.assertEqual({"SPARK_CLUSTER": "spark-ana"}, spawner._hubpolicy_returned)
        r = self.hp.requests[0]
        self.assertEqual(("POST", "/v1/launches?explain=none"), (r["method"], r["path"]))
        self.assertEqual(
            {"user": "ana", "groups": ["data"], "server": "", "image": "spark:1"}, r["body"]
        )

    def test_the_hubs_user_id_is_sent_for_userid(self):
        self.hp.answer(200, self.LAUNCHED)
        run(hooks.pre_spawn_hook(Spawner(User("ana", id=42), name="gpu")))
        self.assertEqual(
            {"user": "ana", "groups": [], "server": "gpu", "userId": 42}, self.hp.requests[0]["body"]
        )
        self.hp.answer(200, self.LAUNCHED)
        run(hooks.pre_spawn_hook(Spawner(User("bo", id="not-a-number"))))
        self.assertNotIn("userId", self.hp.requests[1]["body"])

    def test_warnings_and_exceptions_are_logged_in_the_hub_log(self):
        answer = dict(self.LAUNCHED)
        answer["warnings"] = [{"rule": "Interns get at most 2Gi", "reason": "would cap limits.memory at 2Gi"}]
        answer["exceptions"] = [{"name": "demo day", "reason": "approved", "until": "2027-01-01T00:00:00Z"}]
        self.hp.answer(200, answer)
        with self.assertLogs("test.spawner", level="INFO") as logs:
            run(hooks.pre_spawn_hook(Spawner(User("ana"))))
        text = "\n".join(logs.output)
        self.assertIn("WARNING:test.spawner:hubpolicy policy warning for ana's server", text)
        self.assertIn("would cap limits.memory at 2Gi (rule 'Interns get at most 2Gi'", text)
        self.assertIn("exception 'demo day' applied to ana's server until 2027-01-01", text)

    def test_without_services_the_environment_is_unchanged(self):
        self.hp.answer(200, {"decisionId": "d-3", "env": [{"name": "SITE", "value": "x"}]})
        env = {"A": "1"}
        spawner = Spawner(User("ana"), environment=env)
        run(hooks.pre_spawn_hook(spawner))
        self.assertIs(env, spawner.environment)

    def test_denial_fails_the_spawn_with_the_reason(self):
        self.hp.answer(
            403, {"error": "a; b", "decisionId": "d-4", "reasons": ["too big", "not today"]}
        )
        with self.assertRaises(hooks.HubPolicyDenied) as cm:
            run(hooks.pre_spawn_hook(Spawner(User("mallory"))))
        self.assertEqual("too big; not today", cm.exception.jupyterhub_message)
        self.assertEqual("too big; not today", str(cm.exception))

    def test_a_wrong_token_says_so_and_is_not_a_denial(self):
        self.hp.answer(401, {"error": "the bearer token is not one hubpolicy accepts"})
        with self.assertRaises(hooks.HubPolicyConfigError) as cm:
            run(hooks.pre_spawn_hook(Spawner(User("ana"))))
        message = cm.exception.jupyterhub_message
        self.assertIn("hubpolicy refused the hub's token (HUBPOLICY_TOKEN)", message)
        self.assertIn("not one hubpolicy accepts", message)
        self.assertNotIn("denied", message)
        self.assertNotIsInstance(cm.exception, hooks.HubPolicyDenied)

    def test_a_wrong_token_fails_even_with_spawn_unmodified(self):
        self.env(ON_UNAVAILABLE="spawn-unmodified")
        self.hp.answer(401, {"error": "missing bearer token"})
        with self.assertRaises(hooks.HubPolicyConfigError):
            run(hooks.pre_spawn_hook(Spawner(User("ana"))))

    def test_bad_input_names_the_field(self):
        self.hp.answer(400, {"error": "unknown size 'Huge'", "field": "size"})
        with self.assertRaises(hooks.HubPolicyError) as cm:
            run(hooks.pre_spawn_hook(Spawner(User("ana"), user_options={"size": "Huge"})))
        self.assertEqual(400, cm.exception.status_code)
        self.assertEqual(
            "hubpolicy refused the request: unknown size 'Huge' (field 'size')", str(cm.exception)
        )

    def test_a_failed_launch_is_unavailable(self):
        self.hp.answer(504, {"error": "service spark returned nothing within 60 s"})
        with self.assertRaises(hooks.HubPolicyUnavailable) as cm:
            run(hooks.pre_spawn_hook(Spawner(User("ana"))))
        self.assertIn("504: service spark returned nothing", str(cm.exception))

    def test_connection_refused_fails_readably_by_default(self):
        self.env(URL=f"http://127.0.0.1:{closed_port()}")
        with self.assertRaises(hooks.HubPolicyUnavailable) as cm:
            run(hooks.pre_spawn_hook(Spawner(User("ana"))))
        message = cm.exception.jupyterhub_message
        self.assertTrue(message.startswith("hubpolicy is unavailable: POST http://127.0.0.1:"), message)
        self.assertIn("/v1/launches: connection refused", message)
        self.assertEqual(503, cm.exception.status_code)

    def test_spawn_unmodified_logs_and_proceeds(self):
        self.env(URL=f"http://127.0.0.1:{closed_port()}", ON_UNAVAILABLE="spawn-unmodified")
        spawner = Spawner(User("ana"), environment={"A": "1"})
        with self.assertLogs("test.spawner", "WARNING") as logs:
            run(hooks.pre_spawn_hook(spawner))
        self.assertEqual({"A": "1"}, spawner.environment)
        self.assertIn("connection refused", logs.output[0])
        self.assertIn("spawn-unmodified", logs.output[0])

    def test_a_timeout_is_unavailable(self):
        self.env(LAUNCH_TIMEOUT="0.3")
        self.hp.answer(200, self.LAUNCHED, delay=1.5)
        with self.assertRaises(hooks.HubPolicyUnavailable) as cm:
            run(hooks.pre_spawn_hook(Spawner(User("ana"))))
        self.assertIn("no answer", str(cm.exception))

    def test_not_hubpolicy_at_that_address(self):
        self.hp.answer(200, "<html>login</html>")
        with self.assertRaises(hooks.HubPolicyUnavailable) as cm:
            run(hooks.pre_spawn_hook(Spawner(User("ana"))))
        self.assertIn("without a JSON object", str(cm.exception))

    def test_the_event_loop_keeps_running_while_hubpolicy_answers(self):
        self.hp.answer(200, self.LAUNCHED, delay=1.0)
        ticks = []

        async def main():
            async def ticker():
                while True:
                    ticks.append(time.monotonic())
                    await asyncio.sleep(0.02)

            t = asyncio.ensure_future(ticker())
            await hooks.pre_spawn_hook(Spawner(User("ana")))
            ticks.append(time.monotonic())
            t.cancel()

        run(main())
        # A blocked loop shows as one gap as long as the answer's delay; a busy machine only
        # stretches every gap a little (counting ticks failed on a loaded machine).
        gaps = [b - a for a, b in zip(ticks, ticks[1:])]
        self.assertGreater(len(ticks), 3)
        self.assertLess(max(gaps), 0.5, "the loop was blocked during the call")


class PostStopHookTest(ServerCase):
    def test_ends_the_servers_services_with_encoded_names(self):
        self.hp.answer(200, {"deleted": ["SparkCluster/spark-ana"], "kept": []})
        spawner = Spawner(User("ana b/c@x"), name="gpu 1")
        with self.assertLogs("test.spawner", "INFO") as logs:
            self.assertIsNone(run(hooks.post_stop_hook(spawner)))
        r = self.hp.requests[0]
        self.assertEqual("DELETE", r["method"])
        self.assertEqual("/v1/launches/ana%20b%2Fc%40x?server=gpu+1&event=server-stopped", r["path"])
        self.assertEqual("Bearer " + TOKEN, r["headers"]["Authorization"])
        self.assertIn("SparkCluster/spark-ana", logs.output[0])

    def test_default_server(self):
        self.hp.answer(200, {"deleted": []})
        run(hooks.post_stop_hook(Spawner(User("ana"))))
        self.assertEqual("/v1/launches/ana?server=&event=server-stopped", self.hp.requests[0]["path"])

    def test_never_raises(self):
        cases = [
            lambda: self.hp.answer(500, {"error": "internal error"}),
            lambda: self.hp.answer(401, {"error": "missing bearer token"}),
            lambda: self.env(URL=f"http://127.0.0.1:{closed_port()}"),
            lambda: os.environ.pop("HUBPOLICY_URL"),
        ]
        for setup in cases:
            setup()
            with self.assertLogs("test.spawner", "ERROR") as logs:
                self.assertIsNone(run(hooks.post_stop_hook(Spawner(User("ana")))))
            self.assertIn("could not end the services", logs.output[0])


@unittest.skipIf(shutil.which("openssl") is None, "needs openssl: apt-get install openssl")
class HttpsTest(EnvCase):
    def setUp(self):
        super().setUp()
        self.cert = os.path.join(self.tmp, "cert.pem")
        self.key = os.path.join(self.tmp, "key.pem")
        subprocess.run(
            [
                "openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                "-keyout", self.key, "-out", self.cert,
            ],
            check=True,
            capture_output=True,
        )
        self.hp = FakeHubPolicy(tls=(self.cert, self.key))
        self.env(URL=self.hp.url, TOKEN=TOKEN)

    def tearDown(self):
        self.hp.close()
        super().tearDown()

    def test_a_private_ca_is_trusted_with_ca_file(self):
        self.hp.answer(200, {"pod": POD})
        with self.assertRaises(hooks.HubPolicyConfigError) as cm:
            run(hooks.modify_pod_hook(Spawner(User("ana")), POD))
        self.assertIn("not trusted", str(cm.exception))
        self.assertIn("HUBPOLICY_CA_FILE", str(cm.exception))

        self.env(CA_FILE=self.cert)
        self.assertEqual(POD, run(hooks.modify_pod_hook(Spawner(User("ana")), POD)))


if __name__ == "__main__":
    unittest.main()
