"""Offline checks of Lookout's Kubernetes manifests: render, schema, project policy.

Nothing here needs a cluster. Documents are plain dicts as PyYAML loads them from
`kubectl kustomize` output. Every check returns Findings; a rule id names the check so the
negative fixtures in fixtures/ can say which check they expect to fail.

Rules (ids):
  schema                 every document validates against its kind's strict 1.32 schema, or
                         for a custom resource (CloudNativePG's Cluster) its operator's schema
  image                  every container names an image with a tag or digest, not :latest
  probes                 every container has readiness, liveness and startup probes
  grpc-probes            containers serving gRPC (a port named "grpc") use native gRPC probes
                         on one of their own ports
  resources              cpu and memory requests and limits on every container, request <= limit
  security-context       runAsNonRoot, not uid 0, readOnlyRootFilesystem, no privilege
                         escalation, not privileged, ALL capabilities dropped and none added,
                         seccomp RuntimeDefault (container or pod level)
  service-port-name      every Service port has a name
  network-policy         a default-deny policy in every namespace with workloads, and every
                         workload selected by a policy of its own (a non-empty podSelector)
  selectors              Service, PDB, NetworkPolicy peer and topology-spread selectors match
                         some workload's pods (or the pods an operator makes for a custom
                         resource, see operator_pods); HPA targets exist; workload selectors
                         match their own template
  config-consistency     LOOKOUT_PORT / LOOKOUT_METRICS_PORT / LOOKOUT_HEALTH_PORT equal the
                         container ports named grpc / metrics / health
  references             every ConfigMap a container reads is in the manifests, every Secret it
                         reads is one that deploy/scripts/create-secrets.sh creates or an
                         operator makes for a custom resource in the manifests
  termination-grace      terminationGracePeriodSeconds exceeds any preStop sleep plus
                         LOOKOUT_SHUTDOWN_DELAY_SECONDS (default 1) plus
                         LOOKOUT_DRAIN_GRACE_SECONDS
  service-links          enableServiceLinks is false (Kubernetes would inject LOOKOUT_*_PORT
                         variables for Services named lookout-*, the binaries' flag prefix)
  service-account-token  automountServiceAccountToken is false (no Lookout pod calls the API)
  autoscaling            a workload an HPA scales sets no replicas of its own and spreads its
                         pods with topologySpreadConstraints
  high-availability      a workload that runs more than one replica (spec.replicas, or its HPA's
                         minReplicas) has a PodDisruptionBudget that keeps one pod up yet lets a
                         drain evict one, spreads its pods over nodes (topologySpreadConstraints
                         on kubernetes.io/hostname), waits in a preStop sleep before a gRPC
                         server's drain (DNS forgets the pod meanwhile), and, for a Deployment,
                         rolls out with maxUnavailable 0 so the ready replicas never drop below
                         the count
  database-network       for each CloudNativePG Cluster: the NetworkPolicies admit to its
                         instances' PostgreSQL port (5432) only its own instances and pods of
                         workloads that use the database (LOOKOUT_DATABASE_URL set), never a
                         namespace, an address range or every pod; and every such workload may
                         reach the instances on 5432 (ingress there, egress from it)
  monitoring             when a namespace has PodMonitors or ServiceMonitors: every workload
                         with a container port named "metrics" is scraped by one, each
                         monitor's selector matches pods (or a Service) with the port it names,
                         and a NetworkPolicy admits some other namespace to that port; every
                         PrometheusRule rule is an alert or a record with an expression whose
                         parentheses balance, alerts have a severity label and summary and
                         runbook annotations, names are unique, and a recorded series an
                         expression reads is recorded by some rule; every ConfigMap labelled
                         grafana_dashboard holds dashboard JSON whose queries all have an expr

A workload may be exempted from one rule by an annotation with the reason,
`checks.lookout.dev/exempt-<rule>: "<why>"`; exempted findings are printed, never hidden.
"""

import dataclasses
import json
import os
import re
import shutil
import subprocess
from typing import Dict, Iterable, List, Optional, Tuple

import yaml

WORKLOAD_KINDS = ("Deployment", "StatefulSet", "DaemonSet", "Job")
ALL_RULES = (
    "schema", "image", "probes", "grpc-probes", "resources", "security-context",
    "service-port-name", "network-policy", "selectors", "config-consistency", "references",
    "termination-grace", "service-links", "service-account-token", "autoscaling",
    "high-availability", "database-network", "monitoring",
)


@dataclasses.dataclass(frozen=True)
class Finding:
    rule: str
    where: str
    message: str

    def __str__(self) -> str:
        return f"[{self.rule}] {self.where}: {self.message}"


# --- loading and rendering ----------------------------------------------------------------------

class RenderError(Exception):
    pass


def find_kubectl() -> Optional[str]:
    return shutil.which("kubectl")


def render(kustomization_dir: str) -> List[dict]:
    """`kubectl kustomize DIR`, parsed. Raises RenderError with kubectl's message."""
    kubectl = find_kubectl()
    if kubectl is None:
        raise RenderError("kubectl not found")
    result = subprocess.run([kubectl, "kustomize", kustomization_dir],
                            capture_output=True, text=True)
    if result.returncode != 0:
        raise RenderError(f"kubectl kustomize {kustomization_dir}: {result.stderr.strip()}")
    return load_documents(result.stdout)


def load_documents(text: str) -> List[dict]:
    return [d for d in yaml.safe_load_all(text) if d is not None]


def doc_id(doc: dict) -> str:
    meta = doc.get("metadata") or {}
    ns = meta.get("namespace")
    name = meta.get("name", "?")
    return f"{doc.get('kind', '?')}/{ns + '/' if ns else ''}{name}"


def namespace_of(doc: dict) -> str:
    return (doc.get("metadata") or {}).get("namespace") or "default"


# --- schema ---------------------------------------------------------------------------------------

class SchemaValidator:
    """Validates documents against `<kind>-<group>-<version>.json` files (strict schemas), and
    custom resources against `<crd_dir>/<group>/<kind>_<version>.json` (the layout of
    kubeconform's CRD catalogue)."""

    def __init__(self, schema_dir: str, crd_dir: Optional[str] = None):
        self._dir = schema_dir
        self._crd_dir = crd_dir
        self._validators: Dict[str, object] = {}

    def schema_path(self, doc: dict) -> str:
        group, _, version = str(doc.get("apiVersion", "")).rpartition("/")
        if self._crd_dir and "." in group and not group.endswith(".k8s.io"):
            return os.path.join(self._crd_dir, group,
                                f"{str(doc.get('kind', '')).lower()}_{version}.json")
        return os.path.join(self._dir, self.schema_file(doc))

    @staticmethod
    def schema_file(doc: dict) -> str:
        api_version = str(doc.get("apiVersion", ""))
        group, _, version = api_version.rpartition("/")
        parts = [str(doc.get("kind", "")).lower()]
        if group:
            parts.append(group.split(".")[0])
        parts.append(version)
        return "-".join(parts) + ".json"

    def _validator(self, path: str):
        if path not in self._validators:
            if not os.path.exists(path):
                self._validators[path] = None
            else:
                import jsonschema  # Debian's python3-jsonschema
                with open(path) as f:
                    schema = json.load(f)
                self._validators[path] = jsonschema.Draft7Validator(schema)
        return self._validators[path]

    def check(self, docs: Iterable[dict]) -> List[Finding]:
        findings = []
        for doc in docs:
            path = self.schema_path(doc)
            validator = self._validator(path)
            if validator is None:
                findings.append(Finding("schema", doc_id(doc),
                                        f"no schema {os.path.basename(path)}: kind or apiVersion "
                                        "unknown to Kubernetes 1.32 or not among the copied "
                                        "schemas"))
                continue
            for error in sorted(validator.iter_errors(doc), key=lambda e: list(e.path)):
                path = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in error.path)
                findings.append(Finding("schema", doc_id(doc),
                                        f"{path.lstrip('.') or '(document)'}: {error.message}"))
        return findings


# --- helpers over workloads ----------------------------------------------------------------------

@dataclasses.dataclass
class Workload:
    doc: dict

    @property
    def kind(self) -> str:
        return self.doc["kind"]

    @property
    def name(self) -> str:
        return self.doc["metadata"]["name"]

    @property
    def namespace(self) -> str:
        return namespace_of(self.doc)

    @property
    def id(self) -> str:
        return doc_id(self.doc)

    @property
    def template(self) -> dict:
        return (self.doc.get("spec") or {}).get("template") or {}

    @property
    def pod_spec(self) -> dict:
        return self.template.get("spec") or {}

    @property
    def pod_labels(self) -> dict:
        return (self.template.get("metadata") or {}).get("labels") or {}

    def containers(self, include_init: bool = False) -> List[dict]:
        spec = self.pod_spec
        result = list(spec.get("containers") or [])
        if include_init:
            result = list(spec.get("initContainers") or []) + result
        return result


def workloads(docs: Iterable[dict]) -> List[Workload]:
    return [Workload(d) for d in docs if d.get("kind") in WORKLOAD_KINDS]


# --- what operators make for custom resources ------------------------------------------------------

CNPG_CLUSTER = ("postgresql.cnpg.io/v1", "Cluster")


def _is_cnpg_cluster(doc: dict) -> bool:
    return (doc.get("apiVersion"), doc.get("kind")) == CNPG_CLUSTER


def operator_pods(docs: Iterable[dict]) -> List[Tuple[str, dict]]:
    """(namespace, pod labels) of the pods an operator runs for a custom resource: a CloudNativePG
    Cluster's instances carry cnpg.io/cluster=<name> and cnpg.io/podRole=instance, plus the
    Cluster's inheritedMetadata labels."""
    pods = []
    for d in docs:
        if _is_cnpg_cluster(d):
            labels = dict(((d.get("spec") or {}).get("inheritedMetadata") or {}).get("labels")
                          or {})
            labels.update({"cnpg.io/cluster": d["metadata"]["name"],
                           "cnpg.io/podRole": "instance"})
            pods.append((namespace_of(d), labels))
    return pods


def operator_secrets(docs: Iterable[dict]) -> List[str]:
    """The Secrets an operator makes for custom resources in the manifests. For a CloudNativePG
    Cluster X: X-app (the owner's credentials, unless bootstrap.initdb names a Secret of its
    own), X-ca (unless certificates.serverCASecret names one), X-superuser when superuser
    access is on, X-server and X-replication."""
    names = []
    for d in docs:
        if not _is_cnpg_cluster(d):
            continue
        name, spec = d["metadata"]["name"], d.get("spec") or {}
        names += [f"{name}-server", f"{name}-replication"]
        if not (((spec.get("bootstrap") or {}).get("initdb") or {}).get("secret")):
            names.append(f"{name}-app")
        if not (spec.get("certificates") or {}).get("serverCASecret"):
            names.append(f"{name}-ca")
        if spec.get("enableSuperuserAccess"):
            names.append(f"{name}-superuser")
    return names


def selector_matches(selector: Optional[dict], labels: dict) -> bool:
    """A LabelSelector (matchLabels / matchExpressions) against a label set; {} matches all."""
    if selector is None:
        return False
    for key, value in (selector.get("matchLabels") or {}).items():
        if labels.get(key) != value:
            return False
    for expr in selector.get("matchExpressions") or []:
        key, op, values = expr.get("key"), expr.get("operator"), expr.get("values") or []
        if op == "In" and labels.get(key) not in values:
            return False
        if op == "NotIn" and key in labels and labels[key] in values:
            return False
        if op == "Exists" and key not in labels:
            return False
        if op == "DoesNotExist" and key in labels:
            return False
    return True


def is_empty_selector(selector: Optional[dict]) -> bool:
    return selector is not None and not selector.get("matchLabels") and \
        not selector.get("matchExpressions")


_QUANTITY = re.compile(r"^([0-9.]+)([a-zA-Z]*)$")
_SUFFIX = {"": 1, "m": 1e-3, "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12, "P": 1e15,
           "Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50}


def parse_quantity(value) -> Optional[float]:
    match = _QUANTITY.match(str(value))
    if not match or match.group(2) not in _SUFFIX:
        return None
    return float(match.group(1)) * _SUFFIX[match.group(2)]


def config_maps(docs: Iterable[dict]) -> Dict[Tuple[str, str], dict]:
    return {(namespace_of(d), d["metadata"]["name"]): d for d in docs
            if d.get("kind") == "ConfigMap"}


def container_env(container: dict, namespace: str,
                  cms: Dict[Tuple[str, str], dict]) -> Dict[str, str]:
    """The plain (ConfigMap and literal) environment a container gets; Secret values are left
    out. Later sources win, as in Kubernetes: envFrom in order, then env."""
    env: Dict[str, str] = {}
    for source in container.get("envFrom") or []:
        ref = source.get("configMapRef")
        if ref and (namespace, ref.get("name")) in cms:
            prefix = source.get("prefix", "")
            for key, value in ((cms[(namespace, ref["name"])].get("data")) or {}).items():
                env[prefix + key] = str(value)
    for var in container.get("env") or []:
        if "value" in var:
            env[var["name"]] = str(var["value"])
        ref = (var.get("valueFrom") or {}).get("configMapKeyRef")
        if ref and (namespace, ref.get("name")) in cms:
            data = cms[(namespace, ref["name"])].get("data") or {}
            if ref.get("key") in data:
                env[var["name"]] = str(data[ref["key"]])
    return env


def probe_port(probe: dict) -> Optional[object]:
    for handler in ("grpc", "tcpSocket", "httpGet"):
        if handler in probe:
            return probe[handler].get("port")
    return None


# --- policy rules --------------------------------------------------------------------------------

def check_images(docs) -> List[Finding]:
    findings = []
    for w in workloads(docs):
        for c in w.containers(include_init=True):
            where = f"{w.id} container {c.get('name')}"
            image = (c.get("image") or "").strip()
            if not image:
                findings.append(Finding("image", where, "no image"))
                continue
            name_part = image.split("@")[0]
            tag = name_part.rsplit(":", 1)[1] if ":" in name_part.rsplit("/", 1)[-1] else None
            if "@" not in image and tag is None:
                findings.append(Finding("image", where, f"image {image} has no tag or digest"))
            elif tag == "latest":
                findings.append(Finding("image", where, f"image {image} uses :latest"))
    return findings


def check_probes(docs) -> List[Finding]:
    findings = []
    for w in workloads(docs):
        for c in w.containers():
            for probe in ("readinessProbe", "livenessProbe", "startupProbe"):
                if not c.get(probe):
                    findings.append(Finding("probes", f"{w.id} container {c.get('name')}",
                                            f"no {probe}"))
    return findings


def check_grpc_probes(docs) -> List[Finding]:
    findings = []
    for w in workloads(docs):
        for c in w.containers():
            ports = {p.get("name"): p.get("containerPort") for p in c.get("ports") or []}
            if "grpc" not in ports:
                continue
            numbers = set(ports.values())
            for kind in ("readinessProbe", "livenessProbe", "startupProbe"):
                probe = c.get(kind)
                if not probe:
                    continue  # reported by "probes"
                where = f"{w.id} container {c.get('name')} {kind}"
                if "grpc" not in probe:
                    findings.append(Finding("grpc-probes", where,
                                            "a gRPC server must use a native grpc probe"))
                elif probe["grpc"].get("port") not in numbers:
                    findings.append(Finding("grpc-probes", where,
                                            f"probe port {probe['grpc'].get('port')} is not one "
                                            f"of the container's ports {sorted(numbers)}"))
    return findings


def check_resources(docs) -> List[Finding]:
    findings = []
    for w in workloads(docs):
        for c in w.containers(include_init=True):
            where = f"{w.id} container {c.get('name')}"
            res = c.get("resources") or {}
            for section in ("requests", "limits"):
                for resource in ("cpu", "memory"):
                    value = (res.get(section) or {}).get(resource)
                    if value is None:
                        findings.append(Finding("resources", where, f"no {section}.{resource}"))
                    elif parse_quantity(value) is None:
                        findings.append(Finding("resources", where,
                                                f"{section}.{resource} {value!r} is not a quantity"))
            for resource in ("cpu", "memory"):
                req = parse_quantity((res.get("requests") or {}).get(resource, ""))
                lim = parse_quantity((res.get("limits") or {}).get(resource, ""))
                if req is not None and lim is not None and req > lim:
                    findings.append(Finding("resources", where,
                                            f"{resource} request exceeds its limit"))
    return findings


def check_security_context(docs) -> List[Finding]:
    findings = []
    for w in workloads(docs):
        pod_sc = w.pod_spec.get("securityContext") or {}
        for c in w.containers(include_init=True):
            where = f"{w.id} container {c.get('name')}"
            sc = c.get("securityContext") or {}

            def effective(key):
                return sc[key] if key in sc else pod_sc.get(key)

            problems = []
            if effective("runAsNonRoot") is not True:
                problems.append("runAsNonRoot is not true")
            if effective("runAsUser") == 0:
                problems.append("runAsUser is 0")
            if sc.get("readOnlyRootFilesystem") is not True:
                problems.append("readOnlyRootFilesystem is not true")
            if sc.get("allowPrivilegeEscalation") is not False:
                problems.append("allowPrivilegeEscalation is not false")
            if sc.get("privileged") is True:
                problems.append("privileged")
            caps = sc.get("capabilities") or {}
            if "ALL" not in (caps.get("drop") or []):
                problems.append("capabilities.drop does not include ALL")
            if caps.get("add"):
                problems.append(f"capabilities.add {caps['add']}")
            seccomp = (effective("seccompProfile") or {}).get("type")
            if seccomp != "RuntimeDefault":
                problems.append(f"seccompProfile is {seccomp or 'unset'}, not RuntimeDefault")
            findings.extend(Finding("security-context", where, p) for p in problems)
    return findings


def check_service_port_names(docs) -> List[Finding]:
    findings = []
    for d in docs:
        if d.get("kind") != "Service":
            continue
        for i, port in enumerate((d.get("spec") or {}).get("ports") or []):
            if not port.get("name"):
                findings.append(Finding("service-port-name", doc_id(d),
                                        f"port #{i} ({port.get('port')}) has no name"))
    return findings


def _network_policies(docs) -> List[dict]:
    return [d for d in docs if d.get("kind") == "NetworkPolicy"]


def check_network_policy(docs) -> List[Finding]:
    findings = []
    policies = _network_policies(docs)
    namespaces = sorted({w.namespace for w in workloads(docs)})
    for ns in namespaces:
        denies = [p for p in policies if namespace_of(p) == ns
                  and is_empty_selector((p.get("spec") or {}).get("podSelector"))
                  and {"Ingress", "Egress"} <= set((p.get("spec") or {}).get("policyTypes") or [])
                  and not (p["spec"].get("ingress") or p["spec"].get("egress"))]
        if not denies:
            findings.append(Finding("network-policy", f"namespace {ns}",
                                    "no default-deny NetworkPolicy (podSelector {}, policyTypes "
                                    "Ingress and Egress, no rules)"))
    for w in workloads(docs):
        own = [p for p in policies if namespace_of(p) == w.namespace
               and not is_empty_selector((p.get("spec") or {}).get("podSelector"))
               and selector_matches(p["spec"].get("podSelector"), w.pod_labels)]
        if not own:
            findings.append(Finding("network-policy", w.id,
                                    "no NetworkPolicy selects this workload's pods"))
    return findings


def check_selectors(docs) -> List[Finding]:
    findings = []
    ws = workloads(docs)

    made = operator_pods(docs)

    def matches_any(ns, selector):
        return any(w.namespace == ns and selector_matches(selector, w.pod_labels) for w in ws) \
            or any(pod_ns == ns and selector_matches(selector, labels) for pod_ns, labels in made)

    for w in ws:
        selector = (w.doc.get("spec") or {}).get("selector")
        if w.kind != "Job" and not selector_matches(selector, w.pod_labels):
            findings.append(Finding("selectors", w.id,
                                    "spec.selector does not match the pod template's labels"))
        for i, tsc in enumerate(w.pod_spec.get("topologySpreadConstraints") or []):
            if not selector_matches(tsc.get("labelSelector"), w.pod_labels):
                findings.append(Finding("selectors", w.id, f"topologySpreadConstraints[{i}] "
                                        "labelSelector does not match the workload's own pods"))
    for d in docs:
        kind, ns, spec = d.get("kind"), namespace_of(d), d.get("spec") or {}
        if kind == "Service" and spec.get("selector") is not None:
            if not matches_any(ns, {"matchLabels": spec["selector"]}):
                findings.append(Finding("selectors", doc_id(d), "selector matches no workload"))
        elif kind == "PodDisruptionBudget":
            if not matches_any(ns, spec.get("selector")):
                findings.append(Finding("selectors", doc_id(d), "selector matches no workload"))
        elif kind == "HorizontalPodAutoscaler":
            ref = spec.get("scaleTargetRef") or {}
            if not any(w.namespace == ns and w.kind == ref.get("kind") and
                       w.name == ref.get("name") for w in ws):
                findings.append(Finding("selectors", doc_id(d),
                                        f"scaleTargetRef {ref.get('kind')}/{ref.get('name')} "
                                        "does not exist"))
        elif kind == "NetworkPolicy":
            selector = spec.get("podSelector")
            if not is_empty_selector(selector) and not matches_any(ns, selector):
                findings.append(Finding("selectors", doc_id(d), "podSelector matches no workload"))
            for direction, peers_key in (("ingress", "from"), ("egress", "to")):
                for rule in spec.get(direction) or []:
                    for peer in rule.get(peers_key) or []:
                        pod_selector = peer.get("podSelector")
                        if (pod_selector is None or "namespaceSelector" in peer
                                or is_empty_selector(pod_selector)):
                            continue  # other namespaces or everything: not checkable here
                        if not matches_any(ns, pod_selector):
                            findings.append(Finding(
                                "selectors", doc_id(d),
                                f"{direction} peer {json.dumps(pod_selector, sort_keys=True)} "
                                "matches no workload"))
    return findings


def check_config_consistency(docs) -> List[Finding]:
    findings = []
    cms = config_maps(docs)
    for w in workloads(docs):
        for c in w.containers():
            env = container_env(c, w.namespace, cms)
            ports = {p.get("name"): p.get("containerPort") for p in c.get("ports") or []}
            for var, port_name in (("LOOKOUT_PORT", "grpc"), ("LOOKOUT_METRICS_PORT", "metrics"),
                                   ("LOOKOUT_HEALTH_PORT", "health")):
                where = f"{w.id} container {c.get('name')}"
                if var in env and port_name not in ports and env[var] not in ("-1", "0"):
                    findings.append(Finding("config-consistency", where,
                                            f"{var}={env[var]} but no container port named "
                                            f"{port_name}"))
                elif port_name in ports and var in env and str(ports[port_name]) != env[var]:
                    findings.append(Finding("config-consistency", where,
                                            f"{var}={env[var]} but container port {port_name} is "
                                            f"{ports[port_name]}"))
    return findings


def check_references(docs, known_secrets: Optional[Iterable[str]]) -> List[Finding]:
    findings = []
    cms = config_maps(docs)
    secrets = set(known_secrets or []) | {d["metadata"]["name"] for d in docs
                                          if d.get("kind") == "Secret"} | \
        set(operator_secrets(docs))
    for w in workloads(docs):
        wanted_cms, wanted_secrets = [], []
        for c in w.containers(include_init=True):
            for source in c.get("envFrom") or []:
                if "configMapRef" in source and not source["configMapRef"].get("optional"):
                    wanted_cms.append(source["configMapRef"].get("name"))
                if "secretRef" in source and not source["secretRef"].get("optional"):
                    wanted_secrets.append(source["secretRef"].get("name"))
            for var in c.get("env") or []:
                vf = var.get("valueFrom") or {}
                if "configMapKeyRef" in vf and not vf["configMapKeyRef"].get("optional"):
                    ref = vf["configMapKeyRef"]
                    cm = cms.get((w.namespace, ref.get("name")))
                    if cm is not None and ref.get("key") not in (cm.get("data") or {}):
                        findings.append(Finding("references", w.id, f"ConfigMap {ref.get('name')} "
                                                f"has no key {ref.get('key')}"))
                    wanted_cms.append(ref.get("name"))
                if "secretKeyRef" in vf and not vf["secretKeyRef"].get("optional"):
                    wanted_secrets.append(vf["secretKeyRef"].get("name"))
        for volume in w.pod_spec.get("volumes") or []:
            if "configMap" in volume and not volume["configMap"].get("optional"):
                wanted_cms.append(volume["configMap"].get("name"))
            if "secret" in volume and not volume["secret"].get("optional"):
                wanted_secrets.append(volume["secret"].get("secretName"))
        for name in wanted_cms:
            if (w.namespace, name) not in cms:
                findings.append(Finding("references", w.id, f"ConfigMap {name} is not in the "
                                        "manifests"))
        if known_secrets is not None:
            for name in wanted_secrets:
                if name not in secrets:
                    findings.append(Finding("references", w.id,
                                            f"Secret {name} is neither in the manifests nor "
                                            "created by deploy/scripts/create-secrets.sh or "
                                            "an operator"))
    return findings


def check_termination_grace(docs) -> List[Finding]:
    findings = []
    cms = config_maps(docs)
    for w in workloads(docs):
        grace = w.pod_spec.get("terminationGracePeriodSeconds", 30)
        for c in w.containers():
            env = container_env(c, w.namespace, cms)
            pre_stop = ((c.get("lifecycle") or {}).get("preStop") or {}).get("sleep") or {}
            sleep = int(pre_stop.get("seconds", 0))
            try:
                drain = float(env.get("LOOKOUT_DRAIN_GRACE_SECONDS", 0))
            except ValueError:
                drain = 0
            # After SIGTERM a binary keeps serving for the shutdown delay before the drain starts.
            try:
                delay = float(env.get("LOOKOUT_SHUTDOWN_DELAY_SECONDS", 1))
            except ValueError:
                delay = 1
            needed = drain + delay + sleep
            if not grace > needed:
                findings.append(Finding(
                    "termination-grace", f"{w.id} container {c.get('name')}",
                    f"terminationGracePeriodSeconds {grace} is not longer than the drain "
                    f"({drain:g} s) plus the shutdown delay ({delay:g} s) plus the preStop "
                    f"sleep ({sleep} s)"))
    return findings


def check_service_links(docs) -> List[Finding]:
    return [Finding("service-links", w.id, "enableServiceLinks is not false")
            for w in workloads(docs) if w.pod_spec.get("enableServiceLinks") is not False]


def check_service_account_token(docs) -> List[Finding]:
    return [Finding("service-account-token", w.id, "automountServiceAccountToken is not false")
            for w in workloads(docs) if w.pod_spec.get("automountServiceAccountToken") is not False]


def check_autoscaling(docs) -> List[Finding]:
    findings = []
    ws = workloads(docs)
    for d in docs:
        if d.get("kind") != "HorizontalPodAutoscaler":
            continue
        ref = (d.get("spec") or {}).get("scaleTargetRef") or {}
        for w in ws:
            if w.namespace != namespace_of(d) or w.kind != ref.get("kind") or \
                    w.name != ref.get("name"):
                continue
            if "replicas" in (w.doc.get("spec") or {}):
                findings.append(Finding("autoscaling", w.id,
                                        f"sets spec.replicas although {doc_id(d)} scales it "
                                        "(every apply would reset the autoscaler's choice)"))
            if not w.pod_spec.get("topologySpreadConstraints"):
                findings.append(Finding("autoscaling", w.id,
                                        "scaled by an HPA but has no topologySpreadConstraints"))
    return findings


def min_replicas(workload: Workload, docs: Iterable[dict]) -> int:
    """The fewest replicas a workload runs: its HPA's minReplicas (default 1) when one scales it,
    else spec.replicas (default 1)."""
    for d in docs:
        if d.get("kind") != "HorizontalPodAutoscaler" or namespace_of(d) != workload.namespace:
            continue
        ref = (d.get("spec") or {}).get("scaleTargetRef") or {}
        if ref.get("kind") == workload.kind and ref.get("name") == workload.name:
            return int(d["spec"].get("minReplicas", 1))
    return int((workload.doc.get("spec") or {}).get("replicas", 1))


def _int_or_percent(value, total: int) -> Optional[int]:
    """A PDB or rollout IntOrString against a replica count (percentages rounded as Kubernetes
    does for PDBs: up for minAvailable, down here for the rest, which only matters at the edges)."""
    if value is None:
        return None
    if isinstance(value, int):
        return value
    text = str(value)
    if text.endswith("%"):
        try:
            return int(float(text[:-1]) * total / 100)
        except ValueError:
            return None
    return int(text) if text.isdigit() else None


def check_high_availability(docs) -> List[Finding]:
    findings = []
    pdbs = [d for d in docs if d.get("kind") == "PodDisruptionBudget"]
    for w in workloads(docs):
        if w.kind not in ("Deployment", "StatefulSet"):
            continue
        replicas = min_replicas(w, docs)
        if replicas < 2:
            continue
        own = [p for p in pdbs if namespace_of(p) == w.namespace and
               selector_matches((p.get("spec") or {}).get("selector"), w.pod_labels)]
        if not own:
            findings.append(Finding("high-availability", w.id,
                                    f"runs {replicas} replicas but no PodDisruptionBudget selects "
                                    "its pods (a drain could evict them all at once)"))
        for p in own:
            spec = p.get("spec") or {}
            max_unavailable = _int_or_percent(spec.get("maxUnavailable"), replicas)
            min_available = _int_or_percent(spec.get("minAvailable"), replicas)
            if max_unavailable is not None:
                if max_unavailable >= replicas:
                    findings.append(Finding("high-availability", doc_id(p),
                                            f"maxUnavailable lets all {replicas} pods of {w.id} "
                                            "go at once"))
                elif max_unavailable < 1:
                    findings.append(Finding("high-availability", doc_id(p),
                                            "maxUnavailable 0 blocks every node drain"))
            elif min_available is not None:
                if min_available < 1:
                    findings.append(Finding("high-availability", doc_id(p),
                                            f"minAvailable lets all pods of {w.id} go at once"))
                elif min_available >= replicas:
                    findings.append(Finding("high-availability", doc_id(p),
                                            f"minAvailable {spec.get('minAvailable')} of "
                                            f"{replicas} replicas blocks every node drain"))
        spread = [t for t in w.pod_spec.get("topologySpreadConstraints") or []
                  if t.get("topologyKey") == "kubernetes.io/hostname"]
        anti = [t for t in (((w.pod_spec.get("affinity") or {}).get("podAntiAffinity") or {})
                            .get("requiredDuringSchedulingIgnoredDuringExecution") or [])
                if t.get("topologyKey") == "kubernetes.io/hostname"]
        if not spread and not anti:
            findings.append(Finding("high-availability", w.id,
                                    f"runs {replicas} replicas but does not spread them over "
                                    "nodes (topologySpreadConstraints on kubernetes.io/hostname):"
                                    " one lost node could take them all"))
        # Callers find the replicas through DNS, which forgets a terminating pod only some
        # seconds after it leaves the endpoints: a gRPC server waits that long in preStop.
        for c in w.containers():
            serves_grpc = any(p.get("name") == "grpc" for p in c.get("ports") or [])
            sleep = ((c.get("lifecycle") or {}).get("preStop") or {}).get("sleep") or {}
            if serves_grpc and int(sleep.get("seconds", 0)) < 1:
                findings.append(Finding("high-availability", f"{w.id} container {c.get('name')}",
                                        "a gRPC server with several replicas needs a preStop "
                                        "sleep, so callers' DNS forgets the pod before it "
                                        "drains"))
        if w.kind == "Deployment":
            strategy = (w.doc.get("spec") or {}).get("strategy") or {}
            rolling = strategy.get("rollingUpdate") or {}
            if strategy.get("type", "RollingUpdate") != "RollingUpdate" or \
                    str(rolling.get("maxUnavailable", "25%")) not in ("0", "0%"):
                findings.append(Finding("high-availability", w.id,
                                        "a rollout must keep every replica until its "
                                        "replacement is ready: strategy RollingUpdate with "
                                        "maxUnavailable 0"))
            elif str(rolling.get("maxSurge", "25%")) in ("0", "0%"):
                findings.append(Finding("high-availability", w.id,
                                        "maxSurge 0 with maxUnavailable 0: a rollout cannot "
                                        "make progress"))
    return findings


POSTGRES_PORT = 5432


def _covers_port(ports: Optional[List[dict]], number: int, names: Iterable[str]) -> bool:
    """Whether a NetworkPolicy rule's ports (absent or empty: every port) include a port."""
    if not ports:
        return True
    for p in ports:
        port = p.get("port")
        if port is None or port == number or (isinstance(port, str) and port in names):
            return True
        end = p.get("endPort")
        if isinstance(port, int) and end is not None and port <= number <= end:
            return True
    return False


def _uses_database(w: Workload, cms) -> bool:
    return any(container_env(c, w.namespace, cms).get("LOOKOUT_DATABASE_URL")
               for c in w.containers())


def check_database_network(docs) -> List[Finding]:
    findings = []
    cms = config_maps(docs)
    ws = workloads(docs)
    policies = _network_policies(docs)
    port_names = ("postgresql",)  # the name CloudNativePG gives the instances' port
    for cluster in [d for d in docs if _is_cnpg_cluster(d)]:
        ns, name = namespace_of(cluster), cluster["metadata"]["name"]
        instance = dict(next(labels for pod_ns, labels in operator_pods([cluster])))
        where = f"{doc_id(cluster)} port {POSTGRES_PORT}"
        admitted: List[Workload] = []
        for p in policies:
            spec = p.get("spec") or {}
            if namespace_of(p) != ns or "Ingress" not in (spec.get("policyTypes") or ["Ingress"]) \
                    or not selector_matches(spec.get("podSelector"), instance):
                continue
            for rule in spec.get("ingress") or []:
                if not _covers_port(rule.get("ports"), POSTGRES_PORT, port_names):
                    continue
                peers = rule.get("from") or []
                if not peers:
                    findings.append(Finding("database-network", doc_id(p),
                                            f"admits every source to {where}"))
                for peer in peers:
                    if "ipBlock" in peer or "namespaceSelector" in peer:
                        findings.append(Finding("database-network", doc_id(p),
                                                f"admits an address range or another namespace "
                                                f"to {where}: {json.dumps(peer, sort_keys=True)}"))
                        continue
                    selector = peer.get("podSelector")
                    if is_empty_selector(selector):
                        findings.append(Finding("database-network", doc_id(p),
                                                f"admits every pod of the namespace to {where}"))
                        continue
                    if selector_matches(selector, instance):
                        continue  # the instances themselves (replication)
                    for w in ws:
                        if w.namespace != ns or not selector_matches(selector, w.pod_labels):
                            continue
                        if _uses_database(w, cms):
                            admitted.append(w)
                        else:
                            findings.append(Finding("database-network", doc_id(p),
                                                    f"admits {w.id}, which does not use the "
                                                    f"database, to {where}"))
        for w in ws:
            if w.namespace != ns or not _uses_database(w, cms):
                continue
            if not any(a.id == w.id for a in admitted):
                findings.append(Finding("database-network", w.id,
                                        f"uses the database but no NetworkPolicy admits it to "
                                        f"{where}"))
            egress_policies = [p for p in policies if namespace_of(p) == ns and
                               "Egress" in ((p.get("spec") or {}).get("policyTypes") or []) and
                               selector_matches(p["spec"].get("podSelector"), w.pod_labels)]
            if not egress_policies:
                continue  # egress unrestricted
            reaches = any(
                _covers_port(rule.get("ports"), POSTGRES_PORT, port_names) and
                (not rule.get("to") or any(
                    "namespaceSelector" not in peer and "ipBlock" not in peer and
                    selector_matches(peer.get("podSelector"), instance)
                    for peer in rule.get("to") or []))
                for p in egress_policies for rule in p["spec"].get("egress") or [])
            if not reaches:
                findings.append(Finding("database-network", w.id,
                                        f"uses the database but no NetworkPolicy lets it out to "
                                        f"{where}"))
    return findings


EXEMPT_PREFIX = "checks.lookout.dev/exempt-"


def exemptions(docs: Iterable[dict]) -> Dict[Tuple[str, str], str]:
    """(workload id, rule) -> reason, from annotations `checks.lookout.dev/exempt-<rule>: <reason>`
    on a workload. A reason is required: an empty one exempts nothing."""
    result = {}
    for w in workloads(docs):
        for key, value in ((w.doc.get("metadata") or {}).get("annotations") or {}).items():
            if key.startswith(EXEMPT_PREFIX) and str(value).strip():
                result[(w.id, key[len(EXEMPT_PREFIX):])] = str(value).strip()
    return result


def split_exempted(docs: List[dict], findings: List[Finding]
                   ) -> Tuple[List[Finding], List[Tuple[Finding, str]]]:
    """Findings a workload's annotation exempts, apart from the rest (schema never exempt)."""
    exempt = exemptions(docs)
    kept, exempted = [], []
    for f in findings:
        reason = next((r for (wid, rule), r in exempt.items()
                       if rule == f.rule and rule != "schema"
                       and (f.where == wid or f.where.startswith(wid + " "))), None)
        if reason is None:
            kept.append(f)
        else:
            exempted.append((f, reason))
    return kept, exempted


def _monitor_port_ok(w: "Workload", port) -> bool:
    return any(p.get("name") == port or p.get("containerPort") == port
               for c in w.containers() for p in c.get("ports") or [])


def _admits_port_from_outside(docs, w: "Workload", port: str) -> bool:
    for policy in _network_policies(docs):
        spec = policy.get("spec") or {}
        if namespace_of(policy) != w.namespace or \
                not selector_matches(spec.get("podSelector"), w.pod_labels):
            continue
        for rule in spec.get("ingress") or []:
            ports = rule.get("ports")
            if ports and not any(p.get("port") == port for p in ports):
                continue
            if any("namespaceSelector" in peer for peer in rule.get("from") or []):
                return True
    return False


def check_monitoring(docs) -> List[Finding]:
    import promql_names  # beside this file
    findings: List[Finding] = []

    def add(where, message):
        findings.append(Finding("monitoring", where, message))

    ws = workloads(docs)
    monitors = [d for d in docs if d.get("kind") in ("PodMonitor", "ServiceMonitor")]
    monitored_namespaces = {namespace_of(m) for m in monitors}
    covered = set()
    for m in monitors:
        spec, ns = m.get("spec") or {}, namespace_of(m)
        endpoints = spec.get("podMetricsEndpoints") or spec.get("endpoints") or []
        if not endpoints:
            add(doc_id(m), "no endpoints to scrape")
        if m["kind"] == "PodMonitor":
            matched = [w for w in ws if w.namespace == ns and
                       selector_matches(spec.get("selector"), w.pod_labels)]
            if not matched:
                add(doc_id(m), "selector matches no workload's pods")
            for w in matched:
                covered.add(w.id)
                for e in endpoints:
                    port = e.get("port") or e.get("portNumber")
                    if not _monitor_port_ok(w, port):
                        add(doc_id(m), f"{w.id} has no container port {port!r}")
                    elif isinstance(port, str) and not _admits_port_from_outside(docs, w, port):
                        add(doc_id(m), f"no NetworkPolicy admits Prometheus (another "
                                       f"namespace) to {w.id}'s port {port!r}")
        else:
            services = [d for d in docs if d.get("kind") == "Service" and namespace_of(d) == ns
                        and selector_matches(spec.get("selector"),
                                             (d.get("metadata") or {}).get("labels") or {})]
            if not services:
                add(doc_id(m), "selector matches no Service")
            for svc in services:
                names = {p.get("name") for p in (svc.get("spec") or {}).get("ports") or []}
                for e in endpoints:
                    if e.get("port") and e["port"] not in names:
                        add(doc_id(m), f"{doc_id(svc)} has no port {e['port']!r}")
                selector = (svc.get("spec") or {}).get("selector")
                for w in ws:
                    if w.namespace == ns and selector and \
                            selector_matches({"matchLabels": selector}, w.pod_labels):
                        covered.add(w.id)
    for w in ws:
        if w.namespace in monitored_namespaces and _monitor_port_ok(w, "metrics") and \
                w.id not in covered:
            add(w.id, "serves /metrics (a port named metrics) but no PodMonitor or "
                      "ServiceMonitor scrapes it")

    rules = [d for d in docs if d.get("kind") == "PrometheusRule"]
    recorded, seen = set(), set()
    for doc in rules:
        for group in (doc.get("spec") or {}).get("groups") or []:
            for rule in group.get("rules") or []:
                if rule.get("record"):
                    recorded.add(rule["record"])
    for doc in rules:
        for group in (doc.get("spec") or {}).get("groups") or []:
            for rule in group.get("rules") or []:
                name = rule.get("alert") or rule.get("record")
                where = f"{doc_id(doc)} {name or '(unnamed rule)'}"
                if bool(rule.get("alert")) == bool(rule.get("record")):
                    add(where, "a rule is exactly one of alert or record")
                if name in seen and rule.get("record") is None:
                    add(where, "alert name used twice")
                seen.add(name)
                expr = str(rule.get("expr") or "")
                depth = 0
                for ch in expr:
                    depth += {"(": 1, ")": -1}.get(ch, 0)
                    if depth < 0:
                        break
                if not expr.strip() or depth != 0:
                    add(where, "expression empty or its parentheses do not balance")
                for metric in promql_names.metric_names(expr):
                    if ":" in metric and metric not in recorded:
                        add(where, f"reads {metric}, which no rule records")
                if rule.get("alert"):
                    if not (rule.get("labels") or {}).get("severity"):
                        add(where, "no severity label")
                    annotations = rule.get("annotations") or {}
                    for key in ("summary", "runbook"):
                        if not annotations.get(key):
                            add(where, f"no {key} annotation")
    for cm in docs:
        labels = (cm.get("metadata") or {}).get("labels") or {}
        if cm.get("kind") != "ConfigMap" or "grafana_dashboard" not in labels:
            continue
        for key, text in ((cm.get("data") or {}).items()):
            try:
                dashboard = json.loads(text)
            except ValueError as e:
                add(f"{doc_id(cm)} {key}", f"not JSON: {e}")
                continue
            if not dashboard.get("panels"):
                add(f"{doc_id(cm)} {key}", "a dashboard without panels")
            for title, expr in promql_names.dashboard_exprs(dashboard):
                if not str(expr).strip():
                    add(f"{doc_id(cm)} {key}", f"panel {title!r} has a query without expr")
                for metric in promql_names.metric_names(str(expr)):
                    if ":" in metric and metric not in recorded:
                        add(f"{doc_id(cm)} {key}",
                            f"panel {title!r} reads {metric}, which no rule records")
    return findings


def policy_findings(docs: List[dict], known_secrets: Optional[Iterable[str]] = None
                    ) -> List[Finding]:
    findings: List[Finding] = []
    findings += check_images(docs)
    findings += check_probes(docs)
    findings += check_grpc_probes(docs)
    findings += check_resources(docs)
    findings += check_security_context(docs)
    findings += check_service_port_names(docs)
    findings += check_network_policy(docs)
    findings += check_selectors(docs)
    findings += check_config_consistency(docs)
    findings += check_references(docs, known_secrets)
    findings += check_termination_grace(docs)
    findings += check_service_links(docs)
    findings += check_service_account_token(docs)
    findings += check_autoscaling(docs)
    findings += check_high_availability(docs)
    findings += check_database_network(docs)
    findings += check_monitoring(docs)
    return findings
