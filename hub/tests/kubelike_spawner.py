"""A local-process spawner that goes through a pod the way KubeSpawner does (used by HubHookIT).

``start`` builds a ``kubernetes.client.V1Pod`` as KubeSpawner's ``make_pod`` would (labels, the
username annotation, a ``notebook`` container with the image and ``get_env()``), awaits
``modify_pod_hook``, and then starts a real ``jupyterhub-singleuser`` with exactly the notebook
container's environment of the pod it got back. Each pod it got back is written as JSON to
``record_dir`` so a test can see what the hook returned.
"""

import json
import os
import re

from jupyterhub.spawner import SimpleLocalProcessSpawner
from jupyterhub.utils import maybe_future, random_port
from kubernetes.client import (
    ApiClient,
    V1Container,
    V1ContainerPort,
    V1EnvVar,
    V1ObjectMeta,
    V1Pod,
    V1PodSpec,
)
from traitlets import Any, Unicode


class KubeLikeSpawner(SimpleLocalProcessSpawner):
    image = Unicode("quay.io/jupyter/minimal-notebook:latest", config=True)
    modify_pod_hook = Any(None, config=True, help="KubeSpawner.modify_pod_hook(spawner, pod)")
    record_dir = Unicode("", config=True, help="Where the pods the hook returned are written")

    _pod_env = None

    def pod_name(self):
        safe = re.sub(r"[^a-z0-9-]", "-", self.user.name.lower())
        return f"jupyter-{safe}" + (f"--{self.name}" if self.name else "")

    def make_pod(self, env):
        labels = {
            "app": "jupyterhub",
            "component": "singleuser-server",
            "hub.jupyter.org/servername": self.name,
        }
        annotations = {
            "hub.jupyter.org/username": self.user.name,
            "hub.jupyter.org/servername": self.name,
        }
        notebook = V1Container(
            name="notebook",
            image=self.image,
            args=self.get_args(),
            env=[V1EnvVar(name=k, value=str(v)) for k, v in sorted(env.items())],
            ports=[V1ContainerPort(name="notebook-port", container_port=self.port)],
        )
        return V1Pod(
            api_version="v1",
            kind="Pod",
            metadata=V1ObjectMeta(name=self.pod_name(), labels=labels, annotations=annotations),
            spec=V1PodSpec(containers=[notebook], restart_policy="OnFailure"),
        )

    async def start(self):
        self._pod_env = None
        if not self.port:
            self.port = random_port()  # before get_env(): the env carries the server's URL
        pod = self.make_pod(super().get_env())
        if self.modify_pod_hook is not None:
            pod = await maybe_future(self.modify_pod_hook(self, pod))
        if not isinstance(pod, V1Pod):
            raise TypeError(f"modify_pod_hook returned a {type(pod)!r}, not a V1Pod")
        if self.record_dir:
            name = self.user.name + (f"--{self.name}" if self.name else "")
            with open(os.path.join(self.record_dir, f"{name}.json"), "w") as f:
                json.dump(
                    {
                        "type": f"{type(pod).__module__}.{type(pod).__name__}",
                        "containerType": type(pod.spec.containers[0]).__name__,
                        "pod": ApiClient().sanitize_for_serialization(pod),
                    },
                    f,
                    indent=1,
                )
        notebook = next(c for c in pod.spec.containers if c.name == "notebook")
        env = {}
        for var in notebook.env or []:
            if var.value is not None:
                env[var.name] = var.value
            else:  # a Secret or ConfigMap reference: only a kubelet can resolve it
                self.log.info("not resolving %s (valueFrom) outside Kubernetes", var.name)
        self._pod_env = env
        return await super().start()

    def get_env(self):
        if self._pod_env is not None:
            return dict(self._pod_env)  # what the container of the pod would get
        return super().get_env()
