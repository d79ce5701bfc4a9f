#!/usr/bin/python3
"""cri_client.py -- a tiny Kubernetes CRI client (the kubelet's side of runtime.v1) for the tests.

    cri_client.py --socket SOCK --gen DIR COMMAND ...

Speaks gRPC to a CRI server (containerd's CRI plugin) over the unix socket SOCK, one
RuntimeService call per command, and prints the answer as one JSON object on stdout.
A call the server refuses prints {"error": CODE, "message": ...} and exits 1.
The protobuf module comes from tests/cri/api.proto, compiled with protoc into DIR on first
use; the calls are plain unary gRPC calls, so no gRPC code generator is needed.
Needs Debian's python3-grpcio, python3-protobuf and protobuf-compiler.

Commands (POD_JSON: a PodSandboxConfig in protobuf's JSON form, as crictl takes it):
  version
  image REF                                          {"id", "tags"} (id "": no such image)
  run-pod --handler H POD_JSON                       {"pod_id"}
  pod-status POD                                     {"state", "ip", "handler", "name", "pid"}
  pods                                               {"pods": [{"id", "state", "handler", "name"}]}
  create --pod POD --pod-config POD_JSON --image IMG --name N [--log PATH] [-- ARG...]
                                                     {"container_id"}
  start ID | stop ID [--timeout S] | rm ID | stop-pod POD | rm-pod POD     {}
  status ID                                          {"state", "exit_code", "reason", "pid", ...}
  wait ID STATE [--within S]    poll status until STATE (e.g. CONTAINER_EXITED), at most S s
  exec-sync ID [--timeout S] -- CMD...               {"stdout", "stderr", "exit_code"}
  containers [--pod POD]                             {"containers": [{"id", "name", "state"}]}
"""
import argparse
import json
import os
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
RPC_TIMEOUT = 60  # seconds allowed to one call


def load_api(gen):
    """The module protoc makes from api.proto, generated into GEN when absent or stale."""
    proto, out = os.path.join(HERE, "api.proto"), os.path.join(gen, "api_pb2.py")
    if not os.path.exists(out) or os.path.getmtime(out) < os.path.getmtime(proto):
        os.makedirs(gen, exist_ok=True)
        subprocess.run(["protoc", "--python_out=" + gen, "-I", HERE, proto], check=True)
    sys.path.insert(0, gen)
    import api_pb2
    return api_pb2


class Service:
    """A CRI service's methods as generic unary calls: Service(api, ch, "RuntimeService").Version(req)."""

    def __init__(self, api, channel, name):
        self.api, self.channel, self.name = api, channel, name

    def __getattr__(self, method):
        reply = getattr(self.api, method + "Response")
        call = self.channel.unary_unary("/runtime.v1.%s/%s" % (self.name, method),
                                        request_serializer=lambda m: m.SerializeToString(),
                                        response_deserializer=reply.FromString)
        return lambda request: call(request, timeout=RPC_TIMEOUT)


def container_status(rt, api, cid):
    r = rt.ContainerStatus(api.ContainerStatusRequest(container_id=cid, verbose=True))
    s = r.status
    info = json.loads(r.info.get("info", "{}") or "{}")
    return {"id": s.id, "name": s.metadata.name, "state": api.ContainerState.Name(s.state),
            "exit_code": s.exit_code, "reason": s.reason, "message": s.message,
            "started": s.started_at > 0, "finished": s.finished_at > 0, "pid": info.get("pid", 0),
            "log_path": s.log_path}


def run(args, api, rt, images):
    from google.protobuf import json_format

    def pod_config(path):
        with open(path) as f:
            return json_format.Parse(f.read(), api.PodSandboxConfig())

    c = args.cmd
    if c == "version":
        r = rt.Version(api.VersionRequest(version="v1"))
        return {"runtime_name": r.runtime_name, "runtime_version": r.runtime_version,
                "runtime_api_version": r.runtime_api_version}
    if c == "image":
        i = images.ImageStatus(api.ImageStatusRequest(image=api.ImageSpec(image=args.ref))).image
        return {"id": i.id, "tags": list(i.repo_tags)}
    if c == "run-pod":
        r = rt.RunPodSandbox(api.RunPodSandboxRequest(config=pod_config(args.pod_json),
                                                      runtime_handler=args.handler))
        return {"pod_id": r.pod_sandbox_id}
    if c == "pod-status":
        r = rt.PodSandboxStatus(api.PodSandboxStatusRequest(pod_sandbox_id=args.pod, verbose=True))
        s, info = r.status, json.loads(r.info.get("info", "{}") or "{}")
        return {"state": api.PodSandboxState.Name(s.state), "ip": s.network.ip,
                "handler": s.runtime_handler, "name": s.metadata.name, "pid": info.get("pid", 0)}
    if c == "pods":
        r = rt.ListPodSandbox(api.ListPodSandboxRequest())
        return {"pods": [{"id": p.id, "state": api.PodSandboxState.Name(p.state),
                          "handler": p.runtime_handler, "name": p.metadata.name} for p in r.items]}
    if c == "create":
        sandbox = pod_config(args.pod_config)
        config = api.ContainerConfig(metadata=api.ContainerMetadata(name=args.name),
                                     image=api.ImageSpec(image=args.image),
                                     args=args.argv, log_path=args.log or "")
        # the pod's namespace modes, as the kubelet gives them to each container
        config.linux.security_context.namespace_options.CopyFrom(
            sandbox.linux.security_context.namespace_options)
        r = rt.CreateContainer(api.CreateContainerRequest(
            pod_sandbox_id=args.pod, config=config, sandbox_config=sandbox))
        return {"container_id": r.container_id}
    if c == "start":
        rt.StartContainer(api.StartContainerRequest(container_id=args.id))
    elif c == "stop":
        rt.StopContainer(api.StopContainerRequest(container_id=args.id, timeout=args.timeout))
    elif c == "rm":
        rt.RemoveContainer(api.RemoveContainerRequest(container_id=args.id))
    elif c == "stop-pod":
        rt.StopPodSandbox(api.StopPodSandboxRequest(pod_sandbox_id=args.pod))
    elif c == "rm-pod":
        rt.RemovePodSandbox(api.RemovePodSandboxRequest(pod_sandbox_id=args.pod))
    elif c == "status":
        return container_status(rt, api, args.id)
    elif c == "wait":
        deadline = time.monotonic() + args.within
        while True:
            s = container_status(rt, api, args.id)
            if s["state"] == args.state:
                return s
            if time.monotonic() > deadline:
                s["error"] = "still %s after %ss, wanted %s" % (s["state"], args.within, args.state)
                return s
            time.sleep(0.05)
    elif c == "exec-sync":
        r = rt.ExecSync(api.ExecSyncRequest(container_id=args.id, cmd=args.argv, timeout=args.timeout))
        return {"stdout": r.stdout.decode(errors="replace"), "stderr": r.stderr.decode(errors="replace"),
                "exit_code": r.exit_code}
    elif c == "containers":
        r = rt.ListContainers(api.ListContainersRequest(filter=api.ContainerFilter(pod_sandbox_id=args.pod)))
        return {"containers": [{"id": x.id, "name": x.metadata.name, "state": api.ContainerState.Name(x.state)}
                               for x in r.containers]}
    return {}


def main():
    p = argparse.ArgumentParser(description="a small CRI (runtime.v1) client")
    p.add_argument("--socket", required=True)
    p.add_argument("--gen", required=True, help="folder for the module generated from api.proto")
    sub = p.add_subparsers(dest="cmd", required=True)
    sub.add_parser("version")
    sub.add_parser("pods")
    sub.add_parser("image").add_argument("ref")
    s = sub.add_parser("run-pod")
    s.add_argument("--handler", default="")
    s.add_argument("pod_json")
    s = sub.add_parser("create")
    for opt in ("--pod", "--pod-config", "--image", "--name"):
        s.add_argument(opt, required=True)
    s.add_argument("--log")
    s.add_argument("argv", nargs="*")
    for name in ("pod-status", "stop-pod", "rm-pod"):
        sub.add_parser(name).add_argument("pod")
    for name in ("start", "rm", "status"):
        sub.add_parser(name).add_argument("id")
    s = sub.add_parser("stop")
    s.add_argument("id")
    s.add_argument("--timeout", type=int, default=0)
    s = sub.add_parser("wait")
    s.add_argument("id")
    s.add_argument("state")
    s.add_argument("--within", type=float, default=10)
    s = sub.add_parser("exec-sync")
    s.add_argument("id")
    s.add_argument("--timeout", type=int, default=0)
    s.add_argument("argv", nargs="+")
    s = sub.add_parser("containers")
    s.add_argument("--pod", default="")
    args = p.parse_args()

    import grpc
    api = load_api(args.gen)
    channel = grpc.insecure_channel("unix://" + os.path.abspath(args.socket))
    try:
        out = run(args, api, Service(api, channel, "RuntimeService"), Service(api, channel, "ImageService"))
    except grpc.RpcError as e:
        out = {"error": e.code().name, "message": e.details()}
    print(json.dumps(out, sort_keys=True))
    return 1 if "error" in out else 0


if __name__ == "__main__":
    sys.exit(main())
