#!/usr/bin/env python3
"""What a JupyterHub hook does with hubpolicy over gRPC, and the errors it must tell apart.

Usage: hubpolicy_client.py TARGET TOKEN_FILE [CA_CERT]

TARGET is host:port of hubpolicy's gRPC server; the bearer token is read from TOKEN_FILE (never
from the command line, where other users of the machine can read it); with CA_CERT the channel is
TLS, trusting that certificate. The stubs generated from src/main/proto must be importable
(python -m grpc_tools.protoc -I src/main/proto --python_out=OUT --grpc_python_out=OUT
hubpolicy/v1/hubpolicy.proto, then OUT on PYTHONPATH).

Prints one JSON object saying what each call gave; GrpcPythonTest checks it.
"""
import json
import sys

import grpc

from hubpolicy.v1 import hubpolicy_pb2 as pb
from hubpolicy.v1 import hubpolicy_pb2_grpc as rpc

POD = json.dumps({
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {"name": "jupyter-bob"},
    "spec": {"containers": [{"name": "notebook", "image": "s2i-minimal-notebook:3.6"}]},
})


def failure(e):
    """A failed call as the hub sees it: the code, the message and hubpolicy's trailers."""
    trailers = e.trailing_metadata() or ()
    return {
        "code": e.code().name,
        "details": e.details(),
        "field": next((v for k, v in trailers if k == "hubpolicy-field"), None),
        "decision_id": next((v for k, v in trailers if k == "hubpolicy-decision-id"), None),
        # -bin trailers arrive as bytes: reasons are UTF-8 text written for users.
        "reasons": [v.decode("utf-8") for k, v in trailers if k == "hubpolicy-reason-bin"],
    }


def main():
    target, token_file = sys.argv[1], sys.argv[2]
    with open(token_file) as f:
        token = f.read().strip()
    if len(sys.argv) > 3:
        with open(sys.argv[3], "rb") as f:
            channel = grpc.secure_channel(target, grpc.ssl_channel_credentials(f.read()))
    else:
        channel = grpc.insecure_channel(target)
    policy = rpc.PolicyStub(channel)
    auth = [("authorization", "Bearer " + token)]
    out = {}

    r = policy.Decide(
        pb.DecideRequest(user="bob", groups=["devs"], size="Small", pod=POD,
                         explain=pb.EXPLAIN_NONE),
        metadata=auth, timeout=30)
    d = r.decision
    out["decide"] = {
        "decision_id": d.decision_id,
        "allowed": d.allowed,
        "env": {e.name: e.value for e in d.env if not e.value_from_json},
        "value_from": {e.name: json.loads(e.value_from_json) for e in d.env if e.value_from_json},
        "pod_memory_limit":
            json.loads(d.pod)["spec"]["containers"][0]["resources"]["limits"]["memory"],
        "json_decision_id": json.loads(r.json)["decisionId"],
    }

    try:
        policy.Launch(pb.LaunchRequest(user="mallory"), metadata=auth, timeout=30)
        out["denied"] = {"code": "OK"}
    except grpc.RpcError as e:
        out["denied"] = failure(e)

    try:
        policy.Decide(pb.DecideRequest(user="bob", size="Huge"), metadata=auth, timeout=30)
        out["invalid"] = {"code": "OK"}
    except grpc.RpcError as e:
        out["invalid"] = failure(e)

    try:
        policy.Decide(pb.DecideRequest(user="bob"), timeout=30)
        out["anonymous"] = {"code": "OK"}
    except grpc.RpcError as e:
        out["anonymous"] = failure(e)

    line = json.loads(policy.GetDecision(
        pb.GetDecisionRequest(decision_id=d.decision_id), metadata=auth, timeout=30).audit_line)
    out["audit"] = {"decision_id": line["decisionId"], "user": line["input"]["user"]}

    print(json.dumps(out))


if __name__ == "__main__":
    main()
