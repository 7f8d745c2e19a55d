"""Unit tests of the spawn form: options_form, options_from_form, profile_list and the preview.

Against the loopback FakeHubPolicy of test_hubpolicy_hooks (standard library, plus JupyterHub and
tornado for the preview handler). Run: python3 -m unittest discover -s hub/tests
"""

import copy
import html.parser
import inspect
import json
import logging
import os
import shutil
import subprocess
import tempfile
import types
import unittest
import urllib.parse

from test_hubpolicy_hooks import (
    TOKEN,
    ServerCase,
    Spawner,
    User,
    closed_port,
    hooks,
    run,
)

import hubpolicy_form
import hubpolicy_form_script
import hubpolicy_profiles

try:
    import tornado.httpclient
    import tornado.httpserver
    import tornado.web
    from jupyterhub.objects import Hub
    from jupyterhub.spawner import LocalProcessSpawner
except ImportError:  # the handler and JupyterHub's own calls need them; the rest does not
    Hub = LocalProcessSpawner = None

NEEDS_JUPYTERHUB = "needs Debian's jupyterhub: apt-get install jupyterhub"

DECISION = {
    "decisionId": "d-1",
    "allowed": True,
    "image": "nb:1",
    "size": "Small",
    "env": [
        {"name": "REGION", "value": "eu-west-1"},
        {"name": "AWS_ACCESS_KEY_ID", "valueFrom": {"secretKeyRef": {"name": "s", "key": "k"}}},
    ],
    "resources": {"requests": {"cpu": "1", "memory": "2Gi"}, "limits": {"cpu": "2", "memory": "4Gi"}},
    "gpu": 0,
    "services": {"spark": {"manifests": []}},
}

OPTIONS = {
    "revision": "abc",
    "images": {
        "source": "profiles",
        "default": "nb:1",
        "images": [
            {"name": "nb:1", "displayName": "Notebook", "description": "The minimal one", "default": True},
            {"name": "quay.io/odh/spark:2", "displayName": "Spark", "description": "With Spark 2"},
        ],
        "warnings": [],
    },
    "unlistedImage": {"pattern": "^quay\\.io/org/.+$", "displayName": "Custom image"},
    "sizes": [
        {
            "name": "Small",
            "resources": {"requests.cpu": "1", "requests.memory": "2Gi", "limits.cpu": "2", "limits.memory": "4Gi"},
            "schedulable": "schedulable",
            "reason": "",
        },
        {
            "name": "Very Large",
            "resources": {"limits.cpu": "16", "limits.memory": "64Gi"},
            "schedulable": "unschedulable",
            "reason": "no node has 64Gi",
        },
    ],
    "gpu": {"max": 2, "choices": [0, 1, 2], "default": 0, "types": ["a100", "t4"], "defaultType": "a100"},
    "envVarConfig": {
        "enabled": True,
        "categories": [
            {
                "name": "AWS",
                "variables": [
                    {"name": "AWS_ACCESS_KEY_ID", "type": "password"},
                    {"name": "REGION", "type": "text"},
                ],
            }
        ],
    },
    "preferences": {
        "user": "ana",
        "image": "nb:1",
        "size": "Small",
        "gpu": 0,
        "env": [
            {"name": "REGION", "value": "eu-west-1"},
            {"name": "AWS_ACCESS_KEY_ID", "secret": True, "stored": True},
        ],
    },
    "selected": {"image": "nb:1", "size": "Small", "gpu": 0, "gpuType": "a100"},
    "decision": DECISION,
}


def options(**changes):
    out = copy.deepcopy(OPTIONS)
    out.update(changes)
    return out


class Page(html.parser.HTMLParser):
    """The form's elements by id, the label targets, every tag and attribute, the text by id."""

    VOID = {"input", "br", "img", "meta", "link", "hr"}

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.by_id, self.labels, self.tags, self.scripts = {}, [], [], []
        self.options = {}  # select id -> [(value, selected, text)]
        self._select = self._option = None
        self._open = []  # [(tag, id)] to collect text per id
        self.text = {}
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self.tags.append((tag, a))
        if "id" in a:
            self.by_id[a["id"]] = (tag, a)
        if tag == "label" and "for" in a:
            self.labels.append(a["for"])
        if tag == "select":
            self._select = a.get("id")
            self.options[self._select] = []
        if tag == "option":
            self._option = [a.get("value"), "selected" in a, ""]
        if tag == "script":
            self.scripts.append("")
        if tag not in self.VOID:
            self._open.append((tag, a.get("id")))

    def handle_endtag(self, tag):
        if tag == "option" and self._option is not None:
            self.options[self._select].append(tuple(self._option))
            self._option = None
        while self._open:
            if self._open.pop()[0] == tag:
                break

    def handle_data(self, data):
        if self._option is not None:
            self._option[2] += data
        if self._open and self._open[-1][0] == "script":
            self.scripts[-1] += data
        for _, ident in self._open:
            if ident:
                self.text[ident] = self.text.get(ident, "") + data

    def selected(self, select_id):
        return [v for v, chosen, _ in self.options[select_id] if chosen]


class OptionsFormTest(ServerCase):
    def page(self, answer, spawner=None):
        self.hp.answer(200, answer)
        spawner = spawner or Spawner(User("ana", ["data", "gpu"]))
        text = run(hooks.options_form(spawner))
        return Page(text), text

    def test_asks_for_the_user_and_their_groups_and_offers_their_choices(self):
        page, _ = self.page(OPTIONS)
        r = self.hp.requests[0]
        self.assertEqual(("GET", "/v1/options?user=ana&group=data&group=gpu"), (r["method"], r["path"]))
        self.assertEqual("Bearer " + TOKEN, r["headers"]["Authorization"])
        self.assertEqual(
            ["nb:1", "quay.io/odh/spark:2", "__custom__"], [v for v, _, _ in page.options["hubpolicy-image"]]
        )
        self.assertEqual("Notebook (nb:1)", page.options["hubpolicy-image"][0][2])
        self.assertEqual(("select", "image"), (page.by_id["hubpolicy-image"][0], page.by_id["hubpolicy-image"][1]["name"]))
        self.assertEqual("The minimal one", page.text["hubpolicy-image-help"])
        self.assertEqual(["", "Small", "Very Large"], [v for v, _, _ in page.options["hubpolicy-size"]])
        self.assertEqual("Very Large — cannot be scheduled now", page.options["hubpolicy-size"][2][2])
        large = next(a for t, a in page.tags if t == "option" and a.get("value") == "Very Large")
        self.assertEqual(("unschedulable", True), (large["data-schedulable"], "no node has 64Gi" in large["data-help"]))
        self.assertEqual(
            "requests: cpu 1, memory 2Gi; limits: cpu 2, memory 4Gi", page.text["hubpolicy-size-help"]
        )
        self.assertEqual(["0", "1", "2"], [v for v, _, _ in page.options["hubpolicy-gpu"]])
        self.assertEqual(["a100", "t4"], [v for v, _, _ in page.options["hubpolicy-gpu-type"]])
        self.assertEqual("gpuType", page.by_id["hubpolicy-gpu-type"][1]["name"])
        self.assertEqual("password", page.by_id["hubpolicy-env-AWS_ACCESS_KEY_ID"][1]["type"])
        self.assertEqual("text", page.by_id["hubpolicy-env-REGION"][1]["type"])
        self.assertEqual("env:REGION", page.by_id["hubpolicy-env-REGION"][1]["name"])
        self.assertIn(("legend", {}), page.tags)
        self.assertEqual("^quay\\.io/org/.+$", page.by_id["hubpolicy-custom-image"][1]["data-pattern"])
        self.assertEqual("/hub/hubpolicy/preview", page.by_id["hubpolicy-form"][1]["data-preview-url"])

    def test_every_control_has_a_label_and_the_classes_of_the_spawn_page(self):
        page, _ = self.page(OPTIONS)
        controls = [a for t, a in page.tags if t in ("select", "input")]
        self.assertEqual(8, len(controls))
        for a in controls:
            self.assertIn(a["id"], page.labels, f"no <label for> of {a['id']}")
            if a.get("type") != "checkbox":
                self.assertEqual("form-control", a.get("class"), a["id"])
        self.assertGreaterEqual(sum(1 for t, a in page.tags if a.get("class") == "form-group"), 6)

    def test_saved_choices_are_preselected(self):
        page, _ = self.page(
            options(selected={"image": "quay.io/odh/spark:2", "size": "Very Large", "gpu": 2, "gpuType": "t4"})
        )
        self.assertEqual(["quay.io/odh/spark:2"], page.selected("hubpolicy-image"))
        self.assertEqual("With Spark 2", page.text["hubpolicy-image-help"])
        self.assertEqual(["Very Large"], page.selected("hubpolicy-size"))
        self.assertEqual(["2"], page.selected("hubpolicy-gpu"))
        self.assertEqual(["t4"], page.selected("hubpolicy-gpu-type"))
        self.assertEqual("eu-west-1", page.by_id["hubpolicy-env-REGION"][1]["value"])

    def test_without_saved_choices_the_defaults_are_preselected(self):
        page, _ = self.page(options(selected=None, preferences=None))
        self.assertEqual(["nb:1"], page.selected("hubpolicy-image"))
        self.assertEqual([""], page.selected("hubpolicy-size"))
        self.assertEqual(["0"], page.selected("hubpolicy-gpu"))
        self.assertEqual(["a100"], page.selected("hubpolicy-gpu-type"))
        self.assertEqual("", page.by_id["hubpolicy-env-REGION"][1]["value"])
        self.assertNotIn("placeholder", page.by_id["hubpolicy-env-AWS_ACCESS_KEY_ID"][1])

    def test_a_stored_secret_is_never_shown_back(self):
        answer = options()
        answer["preferences"]["env"][1]["value"] = "AKIA-LEAKED"  # even if hubpolicy sent one
        page, text = self.page(answer)
        field = page.by_id["hubpolicy-env-AWS_ACCESS_KEY_ID"][1]
        self.assertNotIn("value", field)
        self.assertEqual("stored", field["placeholder"])
        self.assertEqual("new-password", field["autocomplete"])
        self.assertIn("stored", page.text["hubpolicy-env-AWS_ACCESS_KEY_ID-help"])
        self.assertIn("hubpolicy-env-forget-AWS_ACCESS_KEY_ID", page.by_id)
        self.assertNotIn("AKIA-LEAKED", text)

    def test_a_custom_image_only_where_it_is_allowed(self):
        page, _ = self.page(options(unlistedImage=None))
        self.assertNotIn("__custom__", [v for v, _, _ in page.options["hubpolicy-image"]])
        self.assertNotIn("hubpolicy-custom-image", page.by_id)
        page, _ = self.page(options(selected={"image": "quay.io/org/mine:3", "size": "Small"}))
        self.assertEqual(["__custom__"], page.selected("hubpolicy-image"))
        self.assertEqual("quay.io/org/mine:3", page.by_id["hubpolicy-custom-image"][1]["value"])
        self.assertEqual("custom_image", page.by_id["hubpolicy-custom-image"][1]["name"])

    def test_only_what_is_offered_is_shown(self):
        answer = {"images": {"images": [{"name": "nb:1"}], "default": "nb:1"}, "sizes": [],
                  "gpu": {"max": 0, "choices": [0]}, "envVarConfig": None, "decision": DECISION}
        page, _ = self.page(answer)
        self.assertEqual([("nb:1", True, "nb:1")], page.options["hubpolicy-image"])
        for absent in ("hubpolicy-size", "hubpolicy-gpu", "hubpolicy-gpu-type", "hubpolicy-custom-image"):
            self.assertNotIn(absent, page.by_id)
        self.assertFalse([a for t, a in page.tags if t == "fieldset"])
        page, _ = self.page(options(gpu={"max": 1, "choices": [0, 1], "types": ["a100"]},
                                    envVarConfig={"enabled": False, "categories": OPTIONS["envVarConfig"]["categories"]}))
        self.assertIn("hubpolicy-gpu", page.by_id)
        self.assertNotIn("hubpolicy-gpu-type", page.by_id, "one type: nothing to choose")
        self.assertNotIn("hubpolicy-env-REGION", page.by_id)

    def test_without_javascript_the_preview_is_the_preselected_choices_decision(self):
        page, text = self.page(OPTIONS)
        tag, attrs = page.by_id["hubpolicy-preview"]
        self.assertEqual("ok", attrs["data-state"])
        preview = page.text["hubpolicy-preview"]
        for part in ("nb:1", "Small", "requests: cpu 1, memory 2Gi; limits: cpu 2, memory 4Gi",
                     "REGION, AWS_ACCESS_KEY_ID", "spark"):
            self.assertIn(part, preview)
        self.assertNotIn("eu-west-1", preview, "variables are named, never valued")
        self.assertIn("<noscript>", text)
        # The inline script and style are the only ones, and nothing is loaded from elsewhere.
        self.assertEqual([hubpolicy_form_script.SCRIPT], page.scripts)
        self.assertFalse([a for t, a in page.tags if "src" in a or "href" in a])

    def test_a_denied_default_shows_the_reason(self):
        denied = {"decisionId": "d-2", "allowed": False, "reasons": ["ana is suspended until Friday", "and more"]}
        page, _ = self.page(options(decision=denied))
        self.assertEqual("denied", page.by_id["hubpolicy-preview"][1]["data-state"])
        self.assertEqual("Deniedana is suspended until Friday; and more", page.text["hubpolicy-preview"])

    def test_everything_is_escaped(self):
        xss = '"><script>alert(1)</script><img src=x onerror=alert(2)>'
        answer = options(
            images={"default": "nb:1", "images": [
                {"name": "nb:1", "displayName": xss, "description": xss, "default": True},
                {"name": 'ev"il' + xss, "displayName": "x"}]},
            unlistedImage={"pattern": xss, "displayName": xss},
            sizes=[{"name": xss, "resources": {"limits.memory": xss}, "schedulable": "unschedulable", "reason": xss}],
            gpu={"max": 2, "choices": [0, 1], "types": [xss, "t4"]},
            envVarConfig={"enabled": True, "categories": [{"name": xss, "variables": [
                {"name": "A" + xss, "type": "text"}, {"name": "B" + xss, "type": "password"}]}]},
            preferences={"env": [{"name": "A" + xss, "value": xss}, {"name": "B" + xss, "secret": True, "stored": True}]},
            selected={"image": "quay.io/org/" + xss, "size": xss},
            decision={"allowed": False, "reasons": [xss]},
        )
        user = User('ana"<svg onload=alert(3)>')
        page, text = self.page(answer, Spawner(user, name='srv"<b>'))
        self.assertEqual([hubpolicy_form_script.SCRIPT], page.scripts, "only the form's own script")
        self.assertFalse([(t, k) for t, a in page.tags for k in a if k.startswith("on")], "no event handler")
        allowed = {"style", "div", "label", "select", "option", "p", "input", "fieldset", "legend",
                   "h4", "dl", "dt", "dd", "noscript", "script"}
        self.assertLessEqual({t for t, a in page.tags}, allowed)
        self.assertEqual(xss, page.by_id["hubpolicy-custom-image"][1]["data-pattern"])
        self.assertEqual('ana"<svg onload=alert(3)>', page.by_id["hubpolicy-form"][1]["data-user"])
        self.assertEqual("Denied" + xss, page.text["hubpolicy-preview"])
        self.assertIn("&lt;script&gt;alert(1)&lt;/script&gt;", text)

    def test_when_hubpolicy_cannot_be_asked_the_form_says_why(self):
        self.env(URL=f"http://127.0.0.1:{closed_port()}")
        with self.assertLogs("test.spawner", "ERROR"):
            page = Page(run(hooks.options_form(Spawner(User("ana")))))
        self.assertEqual("error", page.by_id["hubpolicy-preview"][1]["data-state"])
        self.assertIn("hubpolicy is unavailable", page.text["hubpolicy-preview"])
        self.assertIn("will fail until it is back", page.text["hubpolicy-preview"])
        self.env(ON_UNAVAILABLE="spawn-unmodified")
        with self.assertLogs("test.spawner", "ERROR"):
            page = Page(run(hooks.options_form(Spawner(User("ana")))))
        self.assertIn("the hub's defaults", page.text["hubpolicy-preview"])

    @unittest.skipIf(shutil.which("node") is None, "needs Node.js to check the script's syntax")
    def test_the_script_is_valid_javascript(self):
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "form.js")
            with open(path, "w") as f:
                f.write(hubpolicy_form_script.SCRIPT)
            check = subprocess.run(["node", "--check", path], capture_output=True, text=True)
        self.assertEqual(0, check.returncode, check.stderr)

    def test_the_preview_url_is_under_the_hubs_base_url(self):
        spawner = Spawner(User("ana"), name="gpu")
        spawner.hub = types.SimpleNamespace(base_url="/prefix/hub/")
        page, _ = self.page(OPTIONS, spawner)
        attrs = page.by_id["hubpolicy-form"][1]
        self.assertEqual(("/prefix/hub/hubpolicy/preview", "gpu"), (attrs["data-preview-url"], attrs["data-server"]))


def form(**fields):
    """Form data as JupyterHub hands it over: every field a list of strings."""
    return {k: v if isinstance(v, list) else [v] for k, v in fields.items()}


class OptionsFromFormTest(ServerCase):
    def submit(self, data, answer=OPTIONS, saved=None):
        self.hp.answer(200, answer)
        self.hp.answer(200, saved or {"user": "ana"})
        return run(hooks.options_from_form(data, spawner=Spawner(User("ana", ["data"]))))

    def test_choices_become_user_options_and_are_saved(self):
        out = self.submit(form(**{"image": "quay.io/odh/spark:2", "size": "Very Large", "gpu": "1",
                                  "gpuType": "t4", "env:REGION": "us-east-1", "env:AWS_ACCESS_KEY_ID": "AKIA1"}))
        self.assertEqual(
            {"image": "quay.io/odh/spark:2", "size": "Very Large", "gpu": 1, "gpuType": "t4",
             "env": {"REGION": "us-east-1"}},
            out,
        )
        self.assertNotIn("AKIA1", json.dumps(out), "JupyterHub keeps user_options in its database")
        get, put = self.hp.requests
        self.assertEqual(("GET", "/v1/options?user=ana&group=data"), (get["method"], get["path"]))
        self.assertEqual(("PUT", "/v1/users/ana/preferences?group=data"), (put["method"], put["path"]))
        self.assertEqual(
            {"image": "quay.io/odh/spark:2", "size": "Very Large", "gpu": 1,
             "env": [{"name": "AWS_ACCESS_KEY_ID", "value": "AKIA1", "secret": True},
                     {"name": "REGION", "value": "us-east-1"}]},
            put["body"],
        )

    def test_an_empty_secret_keeps_the_stored_one_and_forgetting_drops_it(self):
        self.submit(form(image="nb:1", size="", gpu="0", **{"env:AWS_ACCESS_KEY_ID": "", "env:REGION": ""}))
        body = self.hp.requests[1]["body"]
        self.assertEqual([{"name": "AWS_ACCESS_KEY_ID", "secret": True}], body["env"])
        self.assertIsNone(body["size"], "Default: no size")
        self.hp.requests.clear()
        self.submit(form(image="nb:1", **{"env:AWS_ACCESS_KEY_ID": "", "env-forget:AWS_ACCESS_KEY_ID": "1"}))
        self.assertEqual([], self.hp.requests[1]["body"]["env"])

    def test_a_custom_image_is_checked_against_the_pattern(self):
        self.hp.answer(200, OPTIONS)
        with self.assertRaises(hooks.HubPolicyError) as cm:
            run(hooks.options_from_form(form(image="__custom__", custom_image="docker.io/evil:1"),
                                        spawner=Spawner(User("ana"))))
        self.assertEqual(
            "the custom image 'docker.io/evil:1' does not match ^quay\\.io/org/.+$", str(cm.exception)
        )
        self.assertEqual(400, cm.exception.status_code)
        self.assertEqual(["GET"], [r["method"] for r in self.hp.requests], "nothing saved")
        out = self.submit(form(image="__custom__", custom_image=" quay.io/org/nb:7 "))
        self.assertEqual("quay.io/org/nb:7", out["image"])
        self.assertEqual("nb:1", self.hp.requests[-1]["body"]["image"], "the saved image stays a listed one")

    def test_choices_that_are_not_offered_are_refused(self):
        cases = [
            (form(image="nb:9"), "the image 'nb:9' is not one of your choices"),
            (form(size="Huge"), "the size 'Huge' is not one of your choices"),
            (form(gpu="3"), "'3' GPUs is not one of your choices"),
            (form(gpu="many"), "'many' GPUs is not one of your choices"),
            (form(gpuType="h100"), "the GPU type 'h100' is not one of your choices"),
            (form(**{"env:PATH": "/evil"}), "PATH is not a variable of this form"),
            (form(image="__custom__", custom_image=""), "enter the custom image"),
            (form(image=["nb:1", "quay.io/odh/spark:2"]), "image must be one value, got 2"),
        ]
        for data, message in cases:
            self.hp.answer(200, OPTIONS)
            with self.assertRaises(hooks.HubPolicyError) as cm:
                run(hooks.options_from_form(data, spawner=Spawner(User("ana"))))
            self.assertIn(message, str(cm.exception))
        self.hp.answer(200, options(unlistedImage=None))
        with self.assertRaises(hooks.HubPolicyError) as cm:
            run(hooks.options_from_form(form(image="__custom__", custom_image="quay.io/org/x"),
                                        spawner=Spawner(User("ana"))))
        self.assertEqual("a custom image is not one of your choices", str(cm.exception))
        self.assertNotIn("PUT", [r["method"] for r in self.hp.requests])

    def test_variables_saved_outside_the_form_are_kept(self):
        answer = options()
        answer["preferences"]["env"] += [{"name": "OWN", "value": "mine"}, {"name": "OWN_TOKEN", "secret": True, "stored": True}]
        self.submit(form(image="nb:1", **{"env:REGION": "eu"}), answer)
        self.assertEqual(
            [{"name": "AWS_ACCESS_KEY_ID", "secret": True}, {"name": "REGION", "value": "eu"},
             {"name": "OWN", "value": "mine"}, {"name": "OWN_TOKEN", "secret": True}],
            self.hp.requests[1]["body"]["env"],
        )

    def test_a_refused_save_is_the_forms_error(self):
        self.hp.answer(200, OPTIONS)
        self.hp.answer(400, {"error": "gpu 2 is more than your grant of 1", "field": "gpu"})
        with self.assertRaises(hooks.HubPolicyError) as cm:
            run(hooks.options_from_form(form(image="nb:1", gpu="2"), spawner=Spawner(User("ana"))))
        self.assertEqual(
            "hubpolicy refused the request: gpu 2 is more than your grant of 1 (field 'gpu')", str(cm.exception)
        )

    def test_unavailable_fails_or_takes_the_choices_unsaved(self):
        self.env(URL=f"http://127.0.0.1:{closed_port()}")
        with self.assertRaises(hooks.HubPolicyUnavailable):
            run(hooks.options_from_form(form(image="nb:1"), spawner=Spawner(User("ana"))))
        self.env(ON_UNAVAILABLE="spawn-unmodified")
        with self.assertLogs("test.spawner", "WARNING") as logs:
            out = run(hooks.options_from_form(form(image="nb:1", gpu="1"), spawner=Spawner(User("ana"))))
        self.assertEqual({"image": "nb:1", "gpu": 1}, out)
        self.assertIn("choices not saved", logs.output[0])

    def test_without_the_spawner_the_form_is_only_read(self):
        out = run(hooks.options_from_form(form(image="__custom__", custom_image="x:1", size="S", gpu="2")))
        self.assertEqual({"image": "x:1", "size": "S", "gpu": 2}, out)
        self.assertEqual([], self.hp.requests)

    @unittest.skipIf(LocalProcessSpawner is None, NEEDS_JUPYTERHUB)
    def test_jupyterhub_passes_the_spawner_and_awaits_the_result(self):
        self.assertIn("spawner", inspect.signature(hooks.options_from_form).parameters)
        spawner = LocalProcessSpawner(user=User("ana", ["data"]), options_from_form=hooks.options_from_form)
        self.hp.answer(200, OPTIONS)
        self.hp.answer(200, {})

        async def as_jupyterhub_does():  # handlers/pages.py: maybe_future(run_options_from_form(...))
            from jupyterhub.utils import maybe_future

            return await maybe_future(spawner.run_options_from_form(form(image="nb:1", size="Small")))

        self.assertEqual({"image": "nb:1", "size": "Small"}, run(as_jupyterhub_does()))
        self.assertEqual("PUT", self.hp.requests[1]["method"])


class SpawnRequestTest(ServerCase):
    def launch_body(self, user_options, image=None):
        self.hp.answer(200, {"decisionId": "d"})
        run(hooks.pre_spawn_hook(Spawner(User("ana"), user_options=user_options, image=image)))
        return self.hp.requests[-1]["body"]

    def test_the_forms_choices_are_sent_with_the_spawn(self):
        body = self.launch_body({"image": "nb:1", "size": "Small", "gpu": 1, "gpuType": "t4", "env": {"REGION": "eu"}})
        self.assertEqual(
            {"user": "ana", "groups": [], "server": "", "image": "nb:1", "size": "Small", "gpu": 1, "gpuType": "t4"},
            body,
        )

    def test_kubespawners_profile_choices_are_sent(self):
        body = self.launch_body(
            {"profile": hubpolicy_profiles.size_slug("Very Large"), "image": "nb:1",
             "image--unlisted-choice": "quay.io/org/x:1", "gpu": "2", "gpuType": "a100"},
            image="configured:1",
        )
        self.assertEqual(("quay.io/org/x:1", "Very Large", 2, "a100"),
                         (body["image"], body["size"], body["gpu"], body["gpuType"]))
        body = self.launch_body({"profile": "hubpolicy-default", "image": "nb:1"})
        self.assertNotIn("size", body)

    def test_a_gpu_count_that_is_not_a_number_is_refused(self):
        with self.assertRaises(hooks.HubPolicyError) as cm:
            run(hooks.pre_spawn_hook(Spawner(User("ana"), user_options={"gpu": "two"})))
        self.assertEqual(400, cm.exception.status_code)
        self.assertIn("must be a whole number", str(cm.exception))
        self.assertEqual([], self.hp.requests)


class ProfileListTest(ServerCase):
    def test_a_profile_per_size_with_the_image_and_gpu_options(self):
        self.hp.answer(200, OPTIONS)
        profiles = run(hooks.profile_list(Spawner(User("ana", ["data"]))))
        self.assertEqual("/v1/options?user=ana&group=data", self.hp.requests[0]["path"])
        self.assertEqual(
            [("Default", "hubpolicy-default", False), ("Small", "hubpolicy-size-Small", True),
             ("Very Large", "hubpolicy-size-Very_20Large", False)],
            [(p["display_name"], p["slug"], p["default"]) for p in profiles],
        )
        large = profiles[2]
        self.assertEqual("limits: cpu 16, memory 64Gi. Note: cannot be scheduled now (no node has 64Gi)",
                         large["description"])
        self.assertEqual({}, large["kubespawner_override"], "the hooks apply the decision")
        image = large["profile_options"]["image"]
        self.assertEqual({"nb:1": {"display_name": "Notebook", "default": True},
                          "quay.io/odh/spark:2": {"display_name": "Spark", "default": False}}, image["choices"])
        self.assertEqual(
            {"enabled": True, "display_name": "Custom image", "display_name_in_choices": "Custom image",
             "validation_regex": "^quay\\.io/org/.+$", "validation_message": "The image must match ^quay\\.io/org/.+$"},
            image["unlisted_choice"],
        )
        self.assertEqual(["0", "1", "2"], list(large["profile_options"]["gpu"]["choices"]))
        self.assertTrue(large["profile_options"]["gpu"]["choices"]["0"]["default"])
        self.assertEqual(["a100", "t4"], list(large["profile_options"]["gpuType"]["choices"]))
        self.assertIsNot(profiles[1]["profile_options"], large["profile_options"], "a copy each")

    def test_texts_are_escaped_and_odd_names_left_out(self):
        xss = "<img src=x onerror=alert(1)>"
        self.hp.answer(200, options(
            images={"images": [{"name": "nb:1", "displayName": xss}, {"name": 'bad"name', "displayName": "x"}]},
            unlistedImage={"pattern": '^a"b$', "displayName": xss},
            sizes=[{"name": xss, "resources": {}, "schedulable": "unknown"}], selected={}))
        with self.assertLogs("test.spawner", "WARNING") as logs:
            profiles = run(hooks.profile_list(Spawner(User("ana"))))
        self.assertIn("'bad\"name' left out", logs.output[0])
        p = profiles[1]
        self.assertEqual(html_escaped(xss), p["display_name"])
        self.assertEqual(xss, hubpolicy_profiles.size_from_slug(p["slug"]))
        self.assertRegex(p["slug"], r"^[A-Za-z0-9_-]+$")
        self.assertEqual(["nb:1"], list(p["profile_options"]["image"]["choices"]))
        self.assertEqual(html_escaped(xss), p["profile_options"]["image"]["choices"]["nb:1"]["display_name"])
        self.assertNotIn("validation_regex", p["profile_options"]["image"]["unlisted_choice"])

    def test_size_slugs_go_both_ways(self):
        for name in ("Small", "Very Large", "x--y_z", "Größe 2", "a/b.c", ""):
            slug = hubpolicy_profiles.size_slug(name)
            self.assertRegex(slug, r"^hubpolicy-size-[A-Za-z0-9_]*$")
            self.assertNotIn("--", slug)
            self.assertEqual(name, hubpolicy_profiles.size_from_slug(slug))
        self.assertIsNone(hubpolicy_profiles.size_from_slug("gpu-large"))

    def test_when_hubpolicy_cannot_be_asked(self):
        self.env(URL=f"http://127.0.0.1:{closed_port()}")
        with self.assertLogs("test.spawner", "ERROR"):
            profiles = run(hooks.profile_list(Spawner(User("ana"))))
        self.assertEqual(["hubpolicy is unavailable"], [p["display_name"] for p in profiles])
        self.assertIn("connection refused", profiles[0]["description"])
        self.env(ON_UNAVAILABLE="spawn-unmodified")
        with self.assertLogs("test.spawner", "ERROR"):
            self.assertEqual([], run(hooks.profile_list(Spawner(User("ana")))))


def html_escaped(text):
    return hubpolicy_form.esc(text)


class HubUser(User):
    """The hub's logged-in user as JupyterHub's handlers hold it."""

    log = logging.getLogger("test.spawner")


@unittest.skipIf(Hub is None, NEEDS_JUPYTERHUB)
class PreviewHandlerTest(ServerCase):
    """hubpolicy_hooks.PreviewHandler in a tornado application, with the hub's login stubbed."""

    def setUp(self):
        super().setUp()
        self.logged_in = HubUser("ana", ["data"])
        owner = self

        class Handler(hooks.PreviewHandler):
            async def prepare(self):  # JupyterHub's prepare() finds the user from the cookie
                self._jupyterhub_user = owner.logged_in

        self.app = tornado.web.Application(
            [(r"/hub/hubpolicy/preview", Handler)],
            login_url="/hub/login",
            hub=Hub(base_url="/hub/"),
            db=types.SimpleNamespace(dirty=False, rollback=lambda: None),
            log_function=lambda handler: None,
            log=logging.getLogger("test.spawner"),  # JupyterHub gives its handlers the hub's log
        )

    def get(self, **query):
        async def fetch():
            server = tornado.httpserver.HTTPServer(self.app)
            server.listen(0, "127.0.0.1")
            port = next(iter(server._sockets.values())).getsockname()[1]
            try:
                return await tornado.httpclient.AsyncHTTPClient().fetch(
                    f"http://127.0.0.1:{port}/hub/hubpolicy/preview?" + urllib.parse.urlencode(query),
                    raise_error=False, follow_redirects=False,
                )
            finally:
                server.stop()

        response = run(fetch())
        body = json.loads(response.body) if response.body else None
        return response, body

    def test_warnings_and_exceptions_show_in_the_preview(self):
        decision = copy.deepcopy(DECISION)
        decision["warnings"] = [{"rule": "Interns get at most 2Gi", "reason": "would cap limits.memory at 2Gi <b>"}]
        decision["exceptions"] = [{"name": "demo day", "reason": "approved", "until": "2027-01-01T00:00:00Z"}]
        self.hp.answer(200, decision)
        response, body = self.get(user="ana", server="", image="nb:1", size="Small")
        self.assertEqual("ok", body["state"])
        self.assertIn(
            {"label": "Policy warning", "text": "would cap limits.memory at 2Gi <b> (rule Interns get at most 2Gi)"},
            body["summary"],
        )
        self.assertIn(
            {"label": "Exception", "text": "demo day: approved (until 2027-01-01T00:00:00Z)"},
            body["summary"],
        )

    def test_the_user_is_the_hubs_and_the_choices_are_sent(self):
        self.hp.answer(200, DECISION)
        response, body = self.get(user="ana", server="gpu", image="nb:1", size="Small", gpu="1", gpuType="t4")
        self.assertEqual(200, response.code)
        self.assertEqual("no-store", response.headers["Cache-Control"])
        self.assertEqual("ok", body["state"])
        self.assertIn({"label": "Environment", "text": "REGION, AWS_ACCESS_KEY_ID"}, body["summary"])
        self.assertNotIn("eu-west-1", json.dumps(body))
        r = self.hp.requests[0]
        self.assertEqual(("POST", "/v1/previews"), (r["method"], r["path"]))
        self.assertEqual(
            {"user": "ana", "groups": ["data"], "server": "gpu", "image": "nb:1", "size": "Small", "gpu": 1, "gpuType": "t4"},
            r["body"],
        )

    def test_a_preview_for_someone_else_is_refused(self):
        response, body = self.get(user="mallory", image="nb:1")
        self.assertEqual(403, response.code)
        self.assertEqual("error", body["state"])
        self.assertIn("only for your own servers", body["summary"][0]["text"])
        self.assertEqual([], self.hp.requests)

    def test_a_denial_shows_the_reason(self):
        self.hp.answer(200, {"allowed": False, "reasons": ["ana is suspended until Friday"]})
        response, body = self.get(image="nb:1")
        self.assertEqual((200, "denied"), (response.code, body["state"]))
        self.assertEqual([{"label": "Denied", "text": "ana is suspended until Friday"}], body["summary"])
        self.hp.answer(403, {"error": "x", "reasons": ["the size 'Huge' is not yours"], "decisionId": "d"})
        response, body = self.get(size="Huge")
        self.assertEqual((200, "denied"), (response.code, body["state"]))
        self.assertEqual("the size 'Huge' is not yours", body["summary"][0]["text"])

    def test_hubpolicy_down_is_an_error_state(self):
        self.env(URL=f"http://127.0.0.1:{closed_port()}")
        with self.assertLogs("test.spawner", "WARNING"):
            response, body = self.get(image="nb:1")
        self.assertEqual((503, "error"), (response.code, body["state"]))
        self.assertIn("connection refused", body["summary"][0]["text"])

    def test_without_a_login_there_is_no_preview(self):
        self.logged_in = None
        response, _ = self.get(image="nb:1")
        self.assertEqual(302, response.code)
        self.assertTrue(response.headers["Location"].startswith("/hub/login"))
        self.assertEqual([], self.hp.requests)


if __name__ == "__main__":
    unittest.main()
