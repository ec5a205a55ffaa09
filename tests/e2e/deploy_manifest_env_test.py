#!/usr/bin/python3
"""End-to-end: Lookout's binaries run with exactly the configuration the Kubernetes manifests give
them, so the configuration that ships is the one tested.

  deploy_manifest_env_test.py --overlay dev|small [--build-dir build] [--keep]

It renders the overlay with `kubectl kustomize`, creates the Secrets with the documented command
(deploy/scripts/create-secrets.sh --print) and, for every workload, builds the container's
environment as the kubelet would: envFrom ConfigMaps and Secrets in order, then env entries
(literal values, configMapKeyRef, secretKeyRef, fieldRef). Secret, ConfigMap and emptyDir / PVC
volumes become directories under a temporary root. Then it starts Redis (redis-server with the
container's own command and arguments) and each lookout-* binary that is built, in dependency
order, as the pod's runAsUser when run as root, with that environment and nothing else.

Only what cannot hold on one machine is rewritten, and every rewrite is printed:
  * every container port gets a free local port (all pods would otherwise share 127.0.0.1);
  * an address naming a Service (`dns:///lookout-actor:50053`, `lookout-redis:6379`) becomes
    127.0.0.1 and the local port of the container port behind that Service port;
  * a path under a volume's mountPath moves under the temporary root.

Then it checks, against the running processes:
  * every LOOKOUT_* variable names a flag the binary has (an unknown one is silently ignored);
  * every startup, readiness and liveness probe in the manifest passes (grpc.health.v1 with the
    probe's service name, TCP, exec);
  * every metrics port answers /metrics;
  * the system works as configured: through the gateway (TLS in prod, with the generated
    certificate) with the generated API key, WhoAmI, an actor and an event written, and an
    aggregate read back from stats; straight to the backends with the internal token when the
    gateway is not built;
  * the services use the configured Redis;
  * on SIGTERM each binary drains and exits within terminationGracePeriodSeconds (less the
    preStop sleep), with status 0; where the probes ask a health-only port (the gateway in prod),
    a Watch there sees NOT_SERVING as the drain begins.
Services whose binary is not built yet are reported and skipped.
"""

import argparse
import base64
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from typing import Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "deploy"))

import k8s_checks  # noqa: E402

BUF = os.path.join(ROOT, "node_modules", ".bin", "buf")
CREATE_SECRETS = os.path.join(ROOT, "deploy", "scripts", "create-secrets.sh")
SKIP = 77


class Results:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok: bool, what: str, detail: str = "") -> bool:
        if ok:
            self.passed += 1
            print(f"ok: {what}")
        else:
            self.failed += 1
            print(f"FAIL: {what}" + (f": {detail}" if detail else ""))
        return ok


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def b64(value: str) -> str:
    return base64.b64decode(value).decode()


# --- the rendered model ---------------------------------------------------------------------------

class Pod:
    """One workload's pod (replica 0) as it would run: environment, volumes, ports, process."""

    def __init__(self, workload: k8s_checks.Workload):
        self.workload = workload
        self.name = workload.name
        self.container = workload.containers()[0]
        spec = workload.pod_spec
        self.security = spec.get("securityContext") or {}
        self.grace = spec.get("terminationGracePeriodSeconds", 30)
        self.pod_name = f"{self.name}-0" if workload.kind == "StatefulSet" else f"{self.name}-e2e"
        # containerPort -> local port, and port name -> containerPort
        self.port_map: Dict[int, int] = {}
        self.port_names: Dict[str, int] = {}
        for p in self.container.get("ports") or []:
            self.port_map[p["containerPort"]] = free_port()
            if p.get("name"):
                self.port_names[p["name"]] = p["containerPort"]
        self.env: Dict[str, str] = {}
        self.env_sources: Dict[str, str] = {}
        self.mounts: Dict[str, str] = {}   # mountPath -> local directory
        self.process: Optional[subprocess.Popen] = None
        self.log_path = ""
        self.binary: Optional[str] = None
        self.depends_on: List[str] = []
        self.unchecked = False  # cannot serve because a dependency is not built

    @property
    def command(self) -> List[str]:
        return list(self.container.get("command") or []) + list(self.container.get("args") or [])

    @property
    def is_lookout(self) -> bool:
        return bool(self.command) and os.path.basename(self.command[0]).startswith("lookout-")

    def local_port(self, port) -> Optional[int]:
        if isinstance(port, str) and not port.isdigit():
            port = self.port_names.get(port)
        return self.port_map.get(int(port)) if port is not None else None


class Deployment:
    def __init__(self, docs: List[dict], secrets: List[dict], root: str):
        self.docs = docs
        self.root = root
        self.config_maps = {d["metadata"]["name"]: d.get("data") or {}
                            for d in docs if d.get("kind") == "ConfigMap"}
        self.secrets = {s["metadata"]["name"]: {k: b64(v) for k, v in (s.get("data") or {}).items()}
                        for s in secrets}
        self.services = [d for d in docs if d.get("kind") == "Service"]
        self.pods = [Pod(w) for w in k8s_checks.workloads(docs)]
        self.rewrites: List[str] = []

    def pod(self, name: str) -> Optional[Pod]:
        return next((p for p in self.pods if p.name == name), None)

    def service_target(self, host: str, port: int) -> Optional[Tuple[Pod, int]]:
        """The pod and local port behind Service HOST's port PORT."""
        service = next((s for s in self.services if s["metadata"]["name"] == host), None)
        if service is None:
            return None
        selector = {"matchLabels": (service.get("spec") or {}).get("selector") or {}}
        pod = next((p for p in self.pods
                    if k8s_checks.selector_matches(selector, p.workload.pod_labels)), None)
        if pod is None:
            return None
        for sp in service["spec"].get("ports") or []:
            if sp.get("port") == port:
                local = pod.local_port(sp.get("targetPort", port))
                return (pod, local) if local else None
        return None

    # A Service address: optional dns:/// scheme, the Service name, optional namespace / cluster
    # domain, a port.
    ADDRESS = re.compile(r"^(?P<scheme>dns:///)?(?P<host>[a-z0-9]([-a-z0-9]*[a-z0-9])?)"
                         r"(?P<domain>\.[-a-z0-9.]+)?:(?P<port>\d+)$")

    def rewrite(self, pod: Pod, key: str, value: str) -> str:
        match = self.ADDRESS.match(value)
        if match:
            target = self.service_target(match.group("host"), int(match.group("port")))
            if target is not None:
                new = f"{match.group('scheme') or ''}127.0.0.1:{target[1]}"
                if target[0].name not in pod.depends_on:
                    pod.depends_on.append(target[0].name)
                self.rewrites.append(f"{pod.name}: {key}={value} -> {new} "
                                     f"(Service {match.group('host')} -> {target[0].name})")
                return new
        if key.endswith("_PORT") and value.isdigit() and int(value) in pod.port_map:
            new = str(pod.port_map[int(value)])
            self.rewrites.append(f"{pod.name}: {key}={value} -> {new} (free local port)")
            return new
        for mount_path, local in sorted(pod.mounts.items(), key=lambda kv: -len(kv[0])):
            if value == mount_path or value.startswith(mount_path.rstrip("/") + "/"):
                new = local + value[len(mount_path.rstrip("/")):]
                self.rewrites.append(f"{pod.name}: {key}={value} -> {new} (volume {mount_path})")
                return new
        return value

    def prepare_volumes(self, pod: Pod) -> None:
        volumes = {v["name"]: v for v in pod.workload.pod_spec.get("volumes") or []}
        claims = {c["metadata"]["name"] for c in
                  (pod.workload.doc.get("spec") or {}).get("volumeClaimTemplates") or []}
        uid = pod.security.get("runAsUser")
        gid = pod.security.get("fsGroup", pod.security.get("runAsGroup"))
        for mount in pod.container.get("volumeMounts") or []:
            local = os.path.join(self.root, pod.name, "volumes", mount["name"])
            os.makedirs(local, exist_ok=True)
            pod.mounts[mount["mountPath"]] = local
            volume = volumes.get(mount["name"], {})
            files: Dict[str, str] = {}
            mode = 0o644
            if "secret" in volume:
                files = self.secrets.get(volume["secret"]["secretName"], {})
                mode = volume["secret"].get("defaultMode", 0o644)
            elif "configMap" in volume:
                files = self.config_maps.get(volume["configMap"]["name"], {})
                mode = volume["configMap"].get("defaultMode", 0o644)
            elif "emptyDir" not in volume and mount["name"] not in claims:
                raise RuntimeError(f"{pod.name}: volume {mount['name']} of an unsupported type")
            for filename, content in files.items():
                path = os.path.join(local, filename)
                with open(path, "w") as f:
                    f.write(content)
                os.chmod(path, mode)
                if os.getuid() == 0 and gid is not None:
                    os.chown(path, 0, gid)  # as the kubelet does with fsGroup
            if os.getuid() == 0 and uid is not None and not files:
                os.chown(local, uid, gid if gid is not None else uid)
            if os.getuid() == 0 and files and gid is not None:
                os.chown(local, 0, gid)
                os.chmod(local, 0o750)

    def build_env(self, pod: Pod) -> None:
        """The container's environment, in the kubelet's order: envFrom, then env."""
        env: Dict[str, str] = {}
        sources: Dict[str, str] = {}
        for source in pod.container.get("envFrom") or []:
            prefix = source.get("prefix", "")
            if "configMapRef" in source:
                name = source["configMapRef"]["name"]
                data = self.config_maps[name]
                kind = "ConfigMap"
            else:
                name = source["secretRef"]["name"]
                data = self.secrets[name]
                kind = "Secret"
            for key, value in data.items():
                env[prefix + key] = str(value)
                sources[prefix + key] = f"{kind} {name}"
        field_values = {"metadata.name": pod.pod_name, "metadata.namespace": "e2e",
                        "status.podIP": "127.0.0.1", "spec.nodeName": "e2e-node"}
        for var in pod.container.get("env") or []:
            name = var["name"]
            if "value" in var:
                value = re.sub(r"\$\(([A-Za-z_][A-Za-z0-9_]*)\)",
                               lambda m: env.get(m.group(1), m.group(0)), str(var["value"]))
                env[name], sources[name] = value, "env value"
                continue
            ref = var.get("valueFrom") or {}
            if "configMapKeyRef" in ref:
                r = ref["configMapKeyRef"]
                env[name], sources[name] = self.config_maps[r["name"]][r["key"]], \
                    f"ConfigMap {r['name']}"
            elif "secretKeyRef" in ref:
                r = ref["secretKeyRef"]
                env[name], sources[name] = self.secrets[r["name"]][r["key"]], f"Secret {r['name']}"
            elif "fieldRef" in ref:
                env[name] = field_values[ref["fieldRef"]["fieldPath"]]
                sources[name] = "fieldRef"
            else:
                raise RuntimeError(f"{pod.name}: env {name}: unsupported valueFrom {ref}")
        pod.env = {k: self.rewrite(pod, k, v) for k, v in env.items()}
        pod.env_sources = sources


# --- processes ------------------------------------------------------------------------------------

def run_as(pod: Pod, binary: str) -> List[str]:
    """setpriv prefix to run as the pod's user when this test runs as root (and that user can
    reach the binary: a checkout under a private home directory may not let it)."""
    uid = pod.security.get("runAsUser")
    if os.getuid() != 0 or uid is None or shutil.which("setpriv") is None:
        return []
    gid = pod.security.get("runAsGroup", uid)
    groups = ",".join(sorted({str(gid), str(pod.security.get("fsGroup", gid))}))
    prefix = ["setpriv", f"--reuid={uid}", f"--regid={gid}", f"--groups={groups}", "--"]
    if subprocess.run(prefix + ["test", "-x", binary]).returncode != 0:
        print(f"note: uid {uid} cannot reach {binary}: {pod.name} runs as root instead")
        return []
    return prefix


def start(pod: Pod, argv: List[str], root: str) -> None:
    pod.log_path = os.path.join(root, f"{pod.name}.log")
    cwd = os.path.join(root, pod.name, "cwd")
    os.makedirs(cwd, exist_ok=True)
    os.chmod(cwd, 0o555)  # like a read-only root filesystem: nothing may be written here
    # Exactly the container's environment, plus what every container gets from Kubernetes.
    env = dict(pod.env)
    env.update({"HOSTNAME": pod.pod_name, "PATH": "/usr/local/bin:/usr/bin:/bin",
                "KUBERNETES_SERVICE_HOST": "10.0.0.1", "KUBERNETES_SERVICE_PORT": "443"})
    log = open(pod.log_path, "w")
    pod.process = subprocess.Popen(run_as(pod, argv[0]) + argv, env=env, cwd=cwd, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)


def log_tail(pod: Pod, lines: int = 15) -> str:
    try:
        with open(pod.log_path) as f:
            return "".join(f.readlines()[-lines:])
    except OSError:
        return ""


# Probes call grpc.health.v1 as the kubelet does, from the proto rather than through server
# reflection (set up in main() from Debian's grpc-proto package).
HEALTH_SCHEMA: Optional[str] = None
HEALTH_PROTO = "/usr/share/grpc-proto/grpc/health/v1/health.proto"


def buf_curl(url: str, data: str, headers: Optional[Dict[str, str]] = None,
             cacert: Optional[str] = None, timeout: str = "5s",
             schema: Optional[str] = None) -> Tuple[int, str]:
    args = [BUF, "curl", "--protocol", "grpc", "--timeout", timeout, "--data", data]
    if schema:
        args += ["--schema", schema]
    if url.startswith("http://"):
        args.append("--http2-prior-knowledge")
    if cacert:
        args += ["--cacert", cacert]
    for k, v in (headers or {}).items():
        args += ["-H", f"{k}: {v}"]
    result = subprocess.run(args + [url], capture_output=True, text=True)
    return result.returncode, result.stdout + result.stderr


def run_probe(pod: Pod, probe: dict) -> Tuple[bool, str]:
    if "grpc" in probe:
        port = pod.local_port(probe["grpc"]["port"])
        service = probe["grpc"].get("service", "")
        code, out = buf_curl(f"http://127.0.0.1:{port}/grpc.health.v1.Health/Check",
                             json.dumps({"service": service}), timeout="2s",
                             schema=HEALTH_SCHEMA)
        out = " ".join(out.split())
        return code == 0 and '"SERVING"' in out, f"grpc health {service or '(server)'} on " \
            f"{probe['grpc']['port']}: {out.strip()[:120]}"
    if "tcpSocket" in probe:
        port = pod.local_port(probe["tcpSocket"]["port"])
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=2):
                return True, f"tcp {probe['tcpSocket']['port']}"
        except OSError as e:
            return False, f"tcp {probe['tcpSocket']['port']}: {e}"
    if "exec" in probe:
        command = [str(pod.local_port(int(a))) if a.isdigit() and int(a) in pod.port_map else a
                   for a in probe["exec"]["command"]]
        result = subprocess.run(command, capture_output=True, text=True, timeout=5)
        return result.returncode == 0, f"exec {' '.join(command)}: {result.stdout.strip()[:80]}"
    if "httpGet" in probe:
        port = pod.local_port(probe["httpGet"]["port"])
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}{probe['httpGet'].get('path', '/')}",
                                        timeout=2) as r:
                return 200 <= r.status < 400, f"http {r.status}"
        except OSError as e:
            return False, f"http: {e}"
    return False, f"unsupported probe {probe}"


def wait_for_startup(pod: Pod) -> Tuple[bool, str]:
    probe = pod.container.get("startupProbe") or pod.container.get("readinessProbe") or {}
    budget = min(probe.get("periodSeconds", 10) * probe.get("failureThreshold", 3), 90)
    deadline = time.time() + budget
    detail = "no probe"
    while time.time() < deadline:
        if pod.process.poll() is not None:
            return False, f"exited with status {pod.process.returncode}"
        ok, detail = run_probe(pod, probe)
        if ok:
            return True, detail
        time.sleep(0.3)
    return False, f"not started within {budget} s: {detail}"


def binary_flags(binary: str) -> Optional[set]:
    result = subprocess.run([binary, "--helpfull"], capture_output=True, text=True, env={})
    flags = set(re.findall(r"^\s+--([A-Za-z0-9_]+) \(", result.stdout + result.stderr, re.M))
    return flags or None


def watch_health_only_port(pod: Pod) -> Optional[Tuple[subprocess.Popen, str, str]]:
    """When the readiness probe asks a port other than the serving one (the gateway's plaintext
    health port in prod), a grpc.health.v1 Watch on it, opened before the stop, with what it
    printed until its first SERVING (or for 10 s)."""
    probe = (pod.container.get("readinessProbe") or {}).get("grpc")
    if not probe or pod.process is None or pod.process.poll() is not None:
        return None
    port = pod.local_port(probe["port"])
    if port is None or port == pod.local_port("grpc"):
        return None
    where = f"port {probe['port']}, service \"{probe.get('service', '')}\""
    watch = subprocess.Popen(
        [BUF, "curl", "--protocol", "grpc", "--http2-prior-knowledge", "--schema", HEALTH_SCHEMA,
         "--timeout", f"{pod.grace}s", "--data", json.dumps({"service": probe.get("service", "")}),
         f"http://127.0.0.1:{port}/grpc.health.v1.Health/Watch"],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    seen = ""
    deadline = time.time() + 10
    # Raw reads: a buffered reader would hide what it has read ahead from select.
    while time.time() < deadline and '"SERVING"' not in seen:
        ready, _, _ = select.select([watch.stdout], [], [], 0.5)
        if ready:
            chunk = os.read(watch.stdout.fileno(), 4096)
            if not chunk:
                break
            seen += chunk.decode(errors="replace")
    if '"SERVING"' not in seen:
        watch.kill()
        watch.wait()
    return watch, where, seen


def drain_seen_by(watch: Tuple[subprocess.Popen, str, str], pod: Pod) -> Tuple[bool, str, str]:
    """The Watch saw SERVING before the stop and NOT_SERVING when SIGTERM began the drain."""
    process, where, before = watch
    what = (f"{pod.name}: the probed health port ({where}) reports NOT_SERVING once SIGTERM "
            f"starts the drain")
    if '"SERVING"' not in before:
        return False, what, "no SERVING from the Watch before the stop: " + \
            " ".join(before.split())[:200]
    try:
        out, _ = process.communicate(timeout=10)
    except subprocess.TimeoutExpired:
        process.kill()
        out, _ = process.communicate()
    out = " ".join(out.decode(errors="replace").split())
    return '"NOT_SERVING"' in out, what, out[:300]


def stop(pod: Pod) -> Tuple[bool, str]:
    if pod.process is None or pod.process.poll() is not None:
        return False, f"not running (status {pod.process.returncode if pod.process else '-'})"
    pre_stop = ((pod.container.get("lifecycle") or {}).get("preStop") or {}).get("sleep") or {}
    budget = pod.grace - int(pre_stop.get("seconds", 0))
    start_time = time.time()
    pod.process.send_signal(signal.SIGTERM)
    try:
        code = pod.process.wait(timeout=budget)
    except subprocess.TimeoutExpired:
        pod.process.kill()
        pod.process.wait()
        return False, f"still running {budget} s after SIGTERM (killed)"
    took = time.time() - start_time
    return code == 0, f"exited {code} after {took:.1f} s (allowed {budget} s)"


# --- the test -------------------------------------------------------------------------------------

def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--overlay", required=True)
    parser.add_argument("--build-dir", default=os.path.join(ROOT, "build"))
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory")
    args = parser.parse_args()

    if k8s_checks.find_kubectl() is None:
        print("SKIP: kubectl not found (it renders the overlays)")
        return SKIP
    for tool in (BUF,):
        if not os.path.exists(tool):
            print(f"FAIL: {tool} missing (scripts/setup.sh installs it)")
            return 1
    if not os.path.exists(HEALTH_PROTO):
        print(f"FAIL: {HEALTH_PROTO} missing (Debian package grpc-proto, see scripts/setup.sh)")
        return 1
    results = Results()
    root = tempfile.mkdtemp(prefix=f"lookout-deploy-e2e-{args.overlay}-")
    os.chmod(root, 0o755)
    global HEALTH_SCHEMA
    HEALTH_SCHEMA = os.path.join(root, "health-schema")
    os.makedirs(os.path.join(HEALTH_SCHEMA, "grpc", "health", "v1"))
    shutil.copy(HEALTH_PROTO, os.path.join(HEALTH_SCHEMA, "grpc", "health", "v1"))
    pods: List[Pod] = []
    try:
        docs = k8s_checks.render(os.path.join(ROOT, "deploy", "k8s", "overlays", args.overlay))
        keys_out = os.path.join(root, "new-keys.env")
        secret_args = [CREATE_SECRETS, "--print", "--overlay", args.overlay,
                       "--new-key", "e2e-admin:ADMIN", "--new-keys-out", keys_out]
        if args.overlay in ("prod", "small"):
            secret_args += ["--self-signed-tls", "localhost"]
        made = subprocess.run(secret_args, capture_output=True, text=True)
        if not results.check(made.returncode == 0, "create-secrets.sh --print makes the Secrets",
                             made.stderr.strip()):
            return 1
        secrets = k8s_checks.load_documents(made.stdout)
        with open(keys_out) as f:
            admin_key = f.read().strip().split("=", 1)[1]

        deployment = Deployment(docs, secrets, root)
        pods = deployment.pods
        for pod in pods:
            deployment.prepare_volumes(pod)
        for pod in pods:
            deployment.build_env(pod)
        print("rewrites (everything else is used as rendered):")
        for line in deployment.rewrites:
            print(f"  {line}")

        # Which binaries exist.
        runnable: List[Pod] = []
        for pod in pods:
            if pod.is_lookout:
                name = os.path.basename(pod.command[0])
                service = name[len("lookout-"):]
                pod.binary = os.path.join(args.build_dir, "services", service, name)
                if not os.access(pod.binary, os.X_OK):
                    print(f"note: {name} is not built ({pod.binary}): {pod.name} skipped")
                    continue
            elif pod.command and shutil.which(os.path.basename(pod.command[0])):
                pod.binary = shutil.which(os.path.basename(pod.command[0]))
            else:
                results.check(False, f"{pod.name}: {pod.command[:1]} is not available here")
                continue
            runnable.append(pod)
        lookout_pods = [p for p in runnable if p.is_lookout]
        if not results.check(bool(lookout_pods), "at least one lookout-* binary is built"):
            return 1

        # Flags: every LOOKOUT_* variable must mean something to the binary.
        for pod in lookout_pods:
            flags = binary_flags(pod.binary)
            if not results.check(flags is not None, f"{pod.name}: --helpfull lists flags"):
                continue
            unknown = [f"{k} (from {pod.env_sources.get(k)})" for k in sorted(pod.env)
                       if k.startswith("LOOKOUT_") and k[len("LOOKOUT_"):].lower() not in flags]
            results.check(not unknown, f"{pod.name}: every LOOKOUT_* variable names a flag "
                          f"({sum(k.startswith('LOOKOUT_') for k in pod.env)} variables)",
                          f"no such flag, silently ignored: {', '.join(unknown)}")

        # Start in dependency order (what a pod dials starts first), waiting for each startup
        # probe, as the kubelet would before readiness.
        started: List[str] = []
        pending = list(runnable)
        while pending:
            ready = [p for p in pending if all(d in started or deployment.pod(d) not in runnable
                                               for d in p.depends_on)] or pending[:1]
            pod = ready[0]
            pending.remove(pod)
            # The container's arguments are rewritten like its environment; the binary is a
            # path on this machine (it may well lie under /tmp, a volume's mountPath).
            args_in = pod.command[1:] if pod.command else []
            argv = [pod.binary] + [
                deployment.rewrite(pod, "ARG", a) if not a.isdigit() else
                (str(pod.port_map[int(a)]) if int(a) in pod.port_map else a) for a in args_in]
            start(pod, argv, root)
            ok, detail = wait_for_startup(pod)
            missing = [d for d in pod.depends_on if deployment.pod(d) not in runnable]
            if not ok and missing:
                # e.g. stats stays NOT_SERVING until it has caught up with the event service.
                print(f"note: {pod.name} not serving without {', '.join(missing)} (not built): "
                      f"its probes are not checked ({detail})")
                pod.unchecked = True
            else:
                results.check(ok, f"{pod.name}: started as the manifest configures it ({detail})",
                              log_tail(pod))
            started.append(pod.name)

        # Every probe the manifest declares.
        for pod in runnable:
            if pod.unchecked:
                continue
            for kind in ("startupProbe", "readinessProbe", "livenessProbe"):
                probe = pod.container.get(kind)
                if not probe:
                    continue
                ok, detail = False, ""
                for _ in range(20):
                    ok, detail = run_probe(pod, probe)
                    if ok:
                        break
                    time.sleep(0.5)
                results.check(ok, f"{pod.name}: {kind} passes ({detail})")

        # Metrics ports.
        for pod in lookout_pods:
            if "metrics" not in pod.port_names:
                continue
            port = pod.local_port("metrics")
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=3) as r:
                    body = r.read().decode(errors="replace")
                    results.check(r.status == 200 and "# TYPE" in body,
                                  f"{pod.name}: /metrics answers on the metrics port")
            except OSError as e:
                results.check(False, f"{pod.name}: /metrics answers on the metrics port", str(e))

        smoke(deployment, results, admin_key, args.overlay)

        # Graceful stop within the grace period, dependants first.
        for pod in reversed([deployment.pod(n) for n in started]):
            if pod.process is None:
                continue
            if pod.is_lookout:
                watch = watch_health_only_port(pod)
                ok, detail = stop(pod)
                results.check(ok, f"{pod.name}: SIGTERM drains and exits in time ({detail})",
                              log_tail(pod))
                if watch is not None:
                    results.check(*drain_seen_by(watch, pod))
    except k8s_checks.RenderError as e:
        results.check(False, "render", str(e))
    finally:
        for pod in pods:
            if pod.process is not None and pod.process.poll() is None:
                os.killpg(pod.process.pid, signal.SIGKILL)
                pod.process.wait()
        if args.keep:
            print(f"kept {root}")
        else:
            shutil.rmtree(root, ignore_errors=True)
    print(f"{results.passed} passed, {results.failed} failed")
    return 0 if results.failed == 0 else 1


def smoke(deployment: Deployment, results: Results, admin_key: str, overlay: str) -> None:
    """The configured system does its job: through the gateway when it is built."""
    gateway = deployment.pod("lookout-gateway")
    event = deployment.pod("lookout-event")
    actor = deployment.pod("lookout-actor")
    stats = deployment.pod("lookout-stats")
    running = {p.name for p in deployment.pods if p.process is not None and p.process.poll() is None}

    if gateway is not None and gateway.name in running:
        tls = bool(gateway.env.get("LOOKOUT_TLS_CERT_FILE"))
        scheme = "https" if tls else "http"
        base = f"{scheme}://127.0.0.1:{gateway.local_port('grpc')}"
        cacert = gateway.env.get("LOOKOUT_TLS_CERT_FILE") if tls else None
        auth = {"authorization": f"Bearer {admin_key}"}

        def call(method, body):
            return buf_curl(f"{base}/{method}", json.dumps(body), auth, cacert, timeout="10s")
        target = gateway.name + (" over TLS with the generated certificate" if tls else "")
        code, out = call("lookout.gateway.v1.GatewayService/WhoAmI", {})
        results.check(code == 0 and "ADMIN" in out,
                      f"{target}: WhoAmI with the key from create-secrets.sh is ADMIN", out[:300])
        code, out = buf_curl(f"{base}/lookout.gateway.v1.GatewayService/WhoAmI", "{}",
                             {"authorization": "Bearer lk_" + "0" * 48}, cacert)
        results.check(code == 16 * 8, f"{target}: an unknown key is UNAUTHENTICATED", out[:200])
    elif event is not None and event.name in running:
        token = event.env.get("LOOKOUT_INTERNAL_TOKEN", "")

        def call(method, body):
            pod = event if method.startswith("lookout.event") else \
                (actor if method.startswith("lookout.actor") else stats)
            return buf_curl(f"http://127.0.0.1:{pod.local_port('grpc')}/{method}",
                            json.dumps(body), {"x-lookout-internal-token": token}, timeout="10s")
        target = "backends with the internal token (no gateway built)"
    else:
        print("note: neither the gateway nor the event service runs: no functional check")
        return

    if actor is None or actor.name not in running:
        return
    code, out = call("lookout.actor.v1.ActorService/CreateActor",
                     {"actor": {"name": f"Deploy e2e {overlay}", "type": "ACTOR_TYPE_POLITICAL_MILITIA",
                                "countryCode": "HTI"}})
    actor_id = ""
    try:
        actor_id = json.loads(out)["actor"]["id"] if code == 0 else ""
    except (ValueError, KeyError):
        pass
    results.check(bool(actor_id), f"{target}: CreateActor", out[:300])
    if not actor_id or event is None or event.name not in running:
        return
    # The event service checks the participant with the actor service: event -> actor works.
    code, out = call("lookout.event.v1.EventService/CreateEvent", {"event": {
        "eventDate": "2024-03-01", "eventType": "EVENT_TYPE_BATTLES", "subEventType": "Armed clash",
        "participants": [{"actorId": actor_id, "role": "PARTICIPANT_ROLE_PRIMARY"}],
        "location": {"countryCode": "HTI", "admin1": "Ouest"},
        "casualties": [{"kind": "CASUALTY_KIND_KILLED", "count": {"best": "3"}}],
        "notes": "deploy e2e"}})
    results.check(code == 0 and '"id"' in out, f"{target}: CreateEvent (event -> actor)", out[:300])
    if stats is not None and stats.name in running:
        # stats follows the event service's change stream: stats -> event works.
        total = None
        for _ in range(30):
            code, out = call("lookout.stats.v1.StatsService/AggregateEvents",
                             {"filter": {"countryCodes": ["HTI"]}})
            try:
                total = int(json.loads(out).get("totalEvents", 0)) if code == 0 else None
            except ValueError:
                total = None
            if total:
                break
            time.sleep(0.2)
        results.check(total == 1, f"{target}: AggregateEvents sees the event (stats -> event)",
                      out[:300])
    owner = deployment.pod("lookout-stats-observations")
    if stats is not None and stats.name in running and owner is not None and \
            owner.name in running and stats.env.get("LOOKOUT_OBSERVATIONS_ADDR"):
        # A stats replica keeps no observations: what it records is the owner's (stats ->
        # stats-observations works, with the configured address and token).
        token = {"x-lookout-internal-token": stats.env.get("LOOKOUT_INTERNAL_TOKEN", "")}
        code, out = buf_curl(
            f"http://127.0.0.1:{stats.local_port('grpc')}/"
            "lookout.stats.v1.StatsService/RecordObservation",
            json.dumps({"observation": {
                "metric": "METRIC_KILLED", "value": {"best": "3"}, "unit": "UNIT_PERSONS",
                "period": {"startDate": "2024-03-01", "endDate": "2024-03-31"},
                "periodKind": "PERIOD_KIND_INTERVAL", "countryCode": "HTI",
                "source": {"name": "deploy e2e"}}}), token, timeout="10s")
        observation_id = ""
        try:
            observation_id = json.loads(out)["observation"]["id"] if code == 0 else ""
        except (ValueError, KeyError):
            pass
        results.check(bool(observation_id), f"{stats.name}: RecordObservation (forwarded to "
                      f"{owner.name})", out[:300])
        if observation_id:
            code, out = buf_curl(
                f"http://127.0.0.1:{owner.local_port('grpc')}/"
                "lookout.stats.v1.StatsService/GetObservation",
                json.dumps({"id": observation_id}), token, timeout="10s")
            results.check(code == 0 and observation_id in out,
                          f"{owner.name}: holds the observation recorded through {stats.name}",
                          out[:300])
    redis = deployment.pod("lookout-redis")
    if redis is not None and redis.process is not None:
        port = redis.local_port("redis")
        clients = subprocess.run(["redis-cli", "-p", str(port), "client", "list"],
                                 capture_output=True, text=True).stdout.strip().splitlines()
        results.check(len(clients) > 1, f"services connected to the configured Redis "
                      f"({len(clients) - 1} connections besides this one)")


if __name__ == "__main__":
    sys.exit(main())
