#!/usr/bin/python3
"""Checks Lookout's Kubernetes manifests with no cluster (run by CTest, label "deploy").

  check_manifests.py overlays [OVERLAY_DIR...]   render each overlay (default: every directory
      in deploy/k8s/overlays, prod with each optional component in deploy/k8s/components, and dev
      with the postgres component)
      with `kubectl kustomize`, validate every document and the Secrets
      deploy/scripts/create-secrets.sh prints against the Kubernetes 1.32 strict schemas, and
      run the project policy checks (k8s_checks.py) and Lookout's layout checks
  check_manifests.py fixtures [FIXTURE...]        prove each check can fail: every fixture in
      tests/deploy/fixtures must fail exactly the rules it names in `expect` (none for the good
      ones)

Exit status: 0 when everything holds, 1 otherwise, 77 (CTest's skip) when kubectl is missing.
Use /usr/bin/python3: it has Debian's python3-yaml and python3-jsonschema.
"""

import copy
import fnmatch
import os
import re
import subprocess
import sys
import tempfile
import urllib.parse
from typing import Dict, List, Optional, Tuple

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)

import yaml  # noqa: E402

import k8s_checks  # noqa: E402
from k8s_checks import Finding, doc_id, namespace_of  # noqa: E402

SCHEMA_DIR = os.path.join(HERE, "schemas", "v1.32.2-standalone-strict")
CRD_SCHEMA_DIR = os.path.join(HERE, "schemas", "crds")
OVERLAYS_DIR = os.path.join(ROOT, "deploy", "k8s", "overlays")
FIXTURES_DIR = os.path.join(HERE, "fixtures")
CREATE_SECRETS = os.path.join(ROOT, "deploy", "scripts", "create-secrets.sh")
SKIP = 77

BACKENDS = ("event", "actor", "stats")
STORES = ("event", "actor")
# Overlays whose gateway serves TLS (create-secrets.sh wants a certificate) and is autoscaled.
TLS_OVERLAYS = ("prod", "small")


# --- Secrets as the documented command makes them -------------------------------------------------

def secrets_for(overlay_name: str) -> List[dict]:
    """The Secrets deploy/scripts/create-secrets.sh creates for an overlay (printed, offline,
    with throwaway values)."""
    args = [CREATE_SECRETS, "--print", "--overlay", overlay_name, "--new-key", "ci-admin:ADMIN"]
    if overlay_name in TLS_OVERLAYS:
        args += ["--self-signed-tls", "lookout.example.com"]
    result = subprocess.run(args, capture_output=True, text=True)
    if result.returncode != 0:
        raise RuntimeError(f"create-secrets.sh failed: {result.stderr.strip()}")
    return k8s_checks.load_documents(result.stdout)


# --- Lookout's own layout ---------------------------------------------------------------------------

def layout_findings(docs: List[dict], overlay_name: Optional[str]) -> List[Finding]:
    """What the deployment issue asks of Lookout's manifests specifically (rule lookout-layout)."""
    findings: List[Finding] = []

    def add(where, message):
        findings.append(Finding("lookout-layout", where, message))

    by_name: Dict[Tuple[str, str], dict] = {(d.get("kind"), d["metadata"]["name"]): d
                                            for d in docs if "metadata" in d}
    gateway = by_name.get(("Deployment", "lookout-gateway"))
    if gateway is None:
        add("lookout-gateway", "no Deployment lookout-gateway")
    for service in BACKENDS:
        workload = by_name.get(("StatefulSet", f"lookout-{service}")) or \
            by_name.get(("Deployment", f"lookout-{service}"))
        if workload is None:
            add(f"lookout-{service}", "no workload")
            continue
        svc = by_name.get(("Service", f"lookout-{service}"))
        if svc is None or (svc.get("spec") or {}).get("clusterIP") != "None":
            add(f"Service/lookout-{service}", "the backends need a headless Service "
                "(clusterIP: None) so clients balance over pods")
    cms = k8s_checks.config_maps(docs)

    def on_database(doc: dict) -> bool:
        workload = k8s_checks.Workload(doc)
        return any(k8s_checks.container_env(c, workload.namespace, cms).get("LOOKOUT_DATABASE_URL")
                   for c in workload.containers())

    for service in STORES:
        sts = by_name.get(("StatefulSet", f"lookout-{service}"))
        deployment = by_name.get(("Deployment", f"lookout-{service}"))
        # On PostgreSQL a store keeps nothing on disk: any kind, any number of replicas.
        if (sts is not None and on_database(sts)) or (deployment is not None and
                                                       on_database(deployment)):
            continue
        if sts is None:
            add(f"lookout-{service}", "must be a StatefulSet (it owns a SQLite store) unless it "
                "stores in PostgreSQL (LOOKOUT_DATABASE_URL)")
            continue
        spec = sts.get("spec") or {}
        if spec.get("replicas") != 1:
            add(doc_id(sts), "SQLite has one writer: replicas must be 1 unless the store is on "
                "PostgreSQL (LOOKOUT_DATABASE_URL)")
        claims = {c["metadata"]["name"] for c in spec.get("volumeClaimTemplates") or []}
        mounts = {m["name"] for c in spec["template"]["spec"]["containers"]
                  for m in c.get("volumeMounts") or []}
        if not claims & mounts:
            add(doc_id(sts), "no persistent volume for the SQLite store")
    # Stats run by more than one pod (an HPA or replicas > 1) must keep no observations of its
    # own: LOOKOUT_OBSERVATIONS_ADDR names the Service of the one StatefulSet replica, with a
    # volume, that owns them. Otherwise each pod would record into its own SQLite file.
    stats = by_name.get(("Deployment", "lookout-stats")) or \
        by_name.get(("StatefulSet", "lookout-stats"))
    if stats is not None:
        scaled = ((stats.get("spec") or {}).get("replicas") or 1) > 1 or any(
            d.get("kind") == "HorizontalPodAutoscaler" and
            (d["spec"].get("scaleTargetRef") or {}).get("name") == "lookout-stats"
            for d in docs)
        env = k8s_checks.container_env(
            k8s_checks.Workload(stats).containers()[0], namespace_of(stats),
            k8s_checks.config_maps(docs))
        addr = env.get("LOOKOUT_OBSERVATIONS_ADDR", "")
        if scaled and not addr and not on_database(stats):
            add(doc_id(stats), "several stats pods but neither LOOKOUT_OBSERVATIONS_ADDR nor a "
                "database: each pod would keep its own observations")
        elif addr:
            match = re.fullmatch(r"dns:///([a-z0-9-]+)(\.[-a-z0-9.]+)?:(\d+)", addr)
            owner_svc = by_name.get(("Service", match.group(1))) if match else None
            owner = None
            if owner_svc is not None:
                selector = {"matchLabels": (owner_svc.get("spec") or {}).get("selector") or {}}
                owner = next((w for w in k8s_checks.workloads(docs)
                              if k8s_checks.selector_matches(selector, w.pod_labels)), None)
            if owner is not None and owner.name != "lookout-stats" and on_database(owner.doc):
                pass  # observations in PostgreSQL: any number of owners share them
            elif owner is None or owner.kind != "StatefulSet" or \
                    (owner.doc.get("spec") or {}).get("replicas") != 1 or \
                    owner.name == "lookout-stats":
                add(doc_id(stats), f"LOOKOUT_OBSERVATIONS_ADDR={addr} must be dns:/// to the "
                    "Service of a one-replica StatefulSet other than lookout-stats")
            else:
                claims = {c["metadata"]["name"]
                          for c in owner.doc["spec"].get("volumeClaimTemplates") or []}
                mounts = {m["name"] for c in owner.containers() for m in c.get("volumeMounts") or []}
                if not claims & mounts:
                    add(owner.id, "owns the observations but has no persistent volume")
    findings += database_findings(docs, by_name)
    public = by_name.get(("Service", "lookout-gateway"))
    if public is None or (public.get("spec") or {}).get("clusterIP") == "None":
        add("Service/lookout-gateway", "the gateway needs a normal (not headless) Service")
    # Backends are dialled with dns:/// so the gateway resolves every pod and balances over them.
    for d in docs:
        if d.get("kind") != "ConfigMap":
            continue
        for key, value in (d.get("data") or {}).items():
            if not re.fullmatch(r"LOOKOUT_(EVENT|ACTOR|STATS)_ADDR", key):
                continue
            if not str(value).startswith("dns:///"):
                add(doc_id(d), f"{key}={value} should be a dns:/// target")
                continue
            # dns:///NAME:PORT resolves every pod only through a headless Service with that port.
            match = re.fullmatch(r"dns:///([a-z0-9-]+)(\.[-a-z0-9.]+)?:(\d+)", str(value))
            svc = by_name.get(("Service", match.group(1))) if match else None
            if match and (svc is None or (svc.get("spec") or {}).get("clusterIP") != "None" or
                          int(match.group(3)) not in {p.get("port") for p in
                                                      (svc.get("spec") or {}).get("ports") or []}):
                add(doc_id(d), f"{key}={value} does not name a headless Service with port "
                    f"{match.group(3)}")
    if overlay_name in TLS_OVERLAYS:
        hpas = {(d["spec"]["scaleTargetRef"].get("kind"), d["spec"]["scaleTargetRef"].get("name"))
                for d in docs if d.get("kind") == "HorizontalPodAutoscaler"}
        if ("Deployment", "lookout-gateway") not in hpas:
            add("HorizontalPodAutoscaler", f"{overlay_name} must autoscale the gateway")
    if overlay_name == "prod":
        findings += production_findings(docs, by_name, on_database)
    return findings


def production_findings(docs: List[dict], by_name: Dict[Tuple[str, str], dict],
                        on_database) -> List[Finding]:
    """What issue 17 asks of the production overlay: every backend several replicas on
    PostgreSQL, in a CloudNativePG cluster of 3 instances with synchronous replication and
    scheduled backups (rule lookout-layout)."""
    findings: List[Finding] = []

    def add(where, message):
        findings.append(Finding("lookout-layout", where, message))

    for service in BACKENDS:
        name = f"lookout-{service}"
        deployment = by_name.get(("Deployment", name))
        if deployment is None:
            add(name, "prod runs it as a Deployment of interchangeable replicas")
            continue
        if not on_database(deployment):
            add(doc_id(deployment), "prod stores in PostgreSQL: LOOKOUT_DATABASE_URL is not set")
        replicas = k8s_checks.min_replicas(k8s_checks.Workload(deployment), docs)
        if replicas < 2:
            add(doc_id(deployment), f"may run as few as {replicas} replica: prod needs 2 so a "
                "restart or a lost node fails no call")
    clusters = [d for d in docs if (d.get("apiVersion"), d.get("kind")) == k8s_checks.CNPG_CLUSTER]
    if not clusters:
        add("Cluster", "prod needs a CloudNativePG Cluster (components/postgres)")
    for cluster in clusters:
        spec, name = cluster.get("spec") or {}, cluster["metadata"]["name"]
        if int(spec.get("instances", 1)) < 3:
            add(doc_id(cluster), "3 instances at least: a primary and two replicas to fail over to")
        sync = (spec.get("postgresql") or {}).get("synchronous") or {}
        if int(sync.get("number", 0)) < 1 and int(spec.get("minSyncReplicas", 0)) < 1:
            add(doc_id(cluster), "no synchronous replication: a failover could lose "
                "acknowledged writes")
        backup = spec.get("backup") or {}
        if not (backup.get("barmanObjectStore") or backup.get("volumeSnapshot")):
            add(doc_id(cluster), "no backup configuration (spec.backup)")
        if not any(d.get("kind") == "ScheduledBackup" and
                   ((d.get("spec") or {}).get("cluster") or {}).get("name") == name
                   for d in docs):
            add(doc_id(cluster), "no ScheduledBackup takes its backups")
    return findings


# A password inside a libpq URI (user:password@) or keyword string (password=...).
_PASSWORD_IN_URL = re.compile(r"://[^/@?]*:[^/@?]*@|(^|\s)password\s*=|[?&]password=")


def database_findings(docs: List[dict], by_name: Dict[Tuple[str, str], dict]) -> List[Finding]:
    """A store workload on PostgreSQL (LOOKOUT_DATABASE_URL set) names its user in the URL,
    keeps the password out of it and reads it from LOOKOUT_DATABASE_PASSWORD_FILE, a file in a
    mounted Secret; a certificate named by sslrootcert is in a mounted volume too."""
    findings: List[Finding] = []
    cms = k8s_checks.config_maps(docs)
    stores = [by_name.get(("StatefulSet", f"lookout-{name}")) or
              by_name.get(("Deployment", f"lookout-{name}"))
              for name in ("event", "actor", "stats", "stats-observations")]
    for doc in [d for d in stores if d is not None]:
        workload = k8s_checks.Workload(doc)
        volumes = {v["name"]: v for v in workload.pod_spec.get("volumes") or []}
        for c in workload.containers():
            env = k8s_checks.container_env(c, workload.namespace, cms)
            url = env.get("LOOKOUT_DATABASE_URL", "")
            if not url:
                continue
            where = f"{workload.id} container {c.get('name')}"
            mounts = {m["mountPath"].rstrip("/"): volumes.get(m["name"], {})
                      for m in c.get("volumeMounts") or []}

            def mounted(path: str) -> dict:
                return mounts.get(os.path.dirname(path), {}) if path else {}

            # The images have no /etc/passwd: libpq cannot default the user to the process's.
            if not re.search(r"(^|\s)user\s*=|://[^/@?]+@|[?&]user=", url):
                findings.append(Finding("lookout-layout", where, "LOOKOUT_DATABASE_URL names no "
                                        "user (the image has no /etc/passwd to default it from)"))
            if _PASSWORD_IN_URL.search(url):
                findings.append(Finding("lookout-layout", where, "LOOKOUT_DATABASE_URL holds a "
                                        "password: use LOOKOUT_DATABASE_PASSWORD_FILE"))
            password_file = env.get("LOOKOUT_DATABASE_PASSWORD_FILE", "")
            if "secret" not in mounted(password_file):
                findings.append(Finding("lookout-layout", where,
                                        f"LOOKOUT_DATABASE_PASSWORD_FILE={password_file!r} is "
                                        "not a file in a mounted Secret"))
            root_cert = re.search(r"sslrootcert=([^\s&]+)", url)
            if root_cert and not mounted(root_cert.group(1)):
                findings.append(Finding("lookout-layout", where, f"sslrootcert "
                                        f"{root_cert.group(1)} is not in a mounted volume"))
            findings += cluster_url_findings(docs, where, url, mounted(password_file))
    return findings


def _conninfo(url: str) -> Dict[str, str]:
    """host, port, dbname and user of a libpq keyword string or URI (enough to compare them)."""
    if "://" in url:
        parsed = urllib.parse.urlsplit(url)
        result = {k: v[0] for k, v in urllib.parse.parse_qs(parsed.query).items()}
        if parsed.hostname:
            result["host"] = parsed.hostname
        if parsed.username:
            result["user"] = urllib.parse.unquote(parsed.username)
        if parsed.path.strip("/"):
            result["dbname"] = parsed.path.strip("/")
        return result
    return dict(pair.split("=", 1) for pair in url.split() if "=" in pair)


def cluster_url_findings(docs: List[dict], where: str, url: str,
                         password_volume: dict) -> List[Finding]:
    """A URL naming a CloudNativePG Cluster's Services points at the primary (<cluster>-rw: the
    others refuse writes), as the database's owner into its database, and the password file comes
    from the Secret the operator makes for that owner (<cluster>-app, key password)."""
    findings: List[Finding] = []
    info = _conninfo(url)
    host = info.get("host", "").split(".")[0]
    for cluster in docs:
        if (cluster.get("apiVersion"), cluster.get("kind")) != k8s_checks.CNPG_CLUSTER:
            continue
        name = cluster["metadata"]["name"]
        if not host.startswith(name + "-"):
            continue
        initdb = ((cluster.get("spec") or {}).get("bootstrap") or {}).get("initdb") or {}

        def add(message):
            findings.append(Finding("lookout-layout", where, f"LOOKOUT_DATABASE_URL: {message}"))

        if host != f"{name}-rw":
            add(f"host {host} is not {name}-rw, the Service on the primary (the others refuse "
                "writes)")
        owner, database = initdb.get("owner", "app"), initdb.get("database", "app")
        if info.get("user") != owner:
            add(f"user {info.get('user')} is not {owner}, the owner {name} bootstraps")
        if info.get("dbname") != database:
            add(f"dbname {info.get('dbname')} is not {database}, the database {name} bootstraps")
        secret = password_volume.get("secret") or {}
        keys = {i.get("key") for i in secret.get("items") or []}
        if not initdb.get("secret") and (secret.get("secretName") != f"{name}-app" or
                                         (keys and "password" not in keys)):
            add(f"the password file is not from {name}-app (key password), the Secret the "
                "operator makes for the owner")
    return findings


# --- running the checks -----------------------------------------------------------------------------

def all_findings(docs: List[dict], validator: k8s_checks.SchemaValidator,
                 secrets: Optional[List[dict]], overlay_name: Optional[str],
                 layout: bool) -> List[Finding]:
    findings = validator.check(docs)
    known = None
    if secrets is not None:
        findings += validator.check(secrets)
        known = [s["metadata"]["name"] for s in secrets]
        namespaces = {namespace_of(w.doc) for w in k8s_checks.workloads(docs)}
        for s in secrets:
            if namespace_of(s) not in namespaces:
                findings.append(Finding("references", doc_id(s),
                                        f"create-secrets.sh puts it in namespace "
                                        f"{namespace_of(s)}, the workloads are in "
                                        f"{sorted(namespaces)}"))
    findings += k8s_checks.policy_findings(docs, known)
    if layout:
        findings += layout_findings(docs, overlay_name)
    findings, exempted = k8s_checks.split_exempted(docs, findings)
    for finding, reason in exempted:
        print(f"  note: exempted by annotation: {finding} (reason: {reason})")
    return findings


# The optional components, each checked on top of an overlay as a platform team would use it
# (gateway-health-port is part of prod and small, postgres of prod, so rendering them checks it).
# prod has components/postgres in it already; small and dev are SQLite unless given it.
COMPONENT_VARIANTS = (("prod", "external-redis"), ("small", "external-redis"), ("small", "postgres"),
                      ("dev", "postgres"))


def render_with_component(overlay: str, component: str) -> List[dict]:
    """Renders OVERLAY plus COMPONENT through a throwaway kustomization (kustomize wants
    relative paths) in the overlay's namespace, where the component's own resources belong."""
    k8s_dir = os.path.join(ROOT, "deploy", "k8s")
    with open(os.path.join(k8s_dir, "overlays", overlay, "kustomization.yaml")) as f:
        namespace = yaml.safe_load(f).get("namespace")
    with tempfile.TemporaryDirectory() as tmp:
        rel = os.path.relpath(k8s_dir, tmp)
        with open(os.path.join(tmp, "kustomization.yaml"), "w") as f:
            f.write("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\n"
                    + (f"namespace: {namespace}\n" if namespace else "") +
                    f"resources:\n  - {rel}/overlays/{overlay}\n"
                    f"components:\n  - {rel}/components/{component}\n")
        return k8s_checks.render(tmp)


def run_overlays(dirs: List[str], with_components: bool) -> int:
    validator = k8s_checks.SchemaValidator(SCHEMA_DIR, CRD_SCHEMA_DIR)
    failed = 0
    targets = [(os.path.basename(os.path.normpath(d)), d, None) for d in dirs]
    if with_components:
        targets += [(f"{o}+{c}", os.path.join(OVERLAYS_DIR, o), c) for o, c in COMPONENT_VARIANTS]
    for label, overlay, component in targets:
        name = os.path.basename(os.path.normpath(overlay))
        try:
            docs = (k8s_checks.render(overlay) if component is None
                    else render_with_component(name, component))
        except k8s_checks.RenderError as e:
            print(f"FAIL: {label}: {e}")
            failed += 1
            continue
        secrets = secrets_for(name)
        findings = all_findings(docs, validator, secrets, name, layout=True)
        kinds: Dict[str, int] = {}
        for d in docs:
            kinds[d["kind"]] = kinds.get(d["kind"], 0) + 1
        summary = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items()))
        if findings:
            failed += 1
            print(f"FAIL: overlay {label} ({summary}):")
            for f in findings:
                print(f"  {f}")
        else:
            print(f"ok: overlay {label} renders; {len(docs)} documents and {len(secrets)} "
                  f"Secrets valid against the 1.32 schemas; every policy holds ({summary})")
    print(f"{len(targets) - failed} passed, {failed} failed")
    return 1 if failed else 0


# --- fixtures ---------------------------------------------------------------------------------------

def _pointer(path: str) -> List[object]:
    parts: List[object] = []
    for raw in path.lstrip("/").split("/"):
        part = raw.replace("~1", "/").replace("~0", "~")
        parts.append(int(part) if part.isdigit() else part)
    return parts


def apply_patch(doc: dict, op: str, path: str, value=None) -> None:
    """The add / remove / replace operations of RFC 6902 on one document."""
    parts = _pointer(path)
    parent = doc
    for part in parts[:-1]:
        parent = parent[part]
    last = parts[-1]
    if op == "remove":
        del parent[last]
    elif op == "replace":
        if isinstance(parent, dict) and last not in parent:
            raise KeyError(f"replace: {path} does not exist")
        parent[last] = value
    elif op == "add":
        if isinstance(parent, list):
            parent.insert(len(parent) if last == "-" else int(last), value)
        else:
            parent[last] = value
    else:
        raise ValueError(f"unknown op {op}")


def fixture_documents(fixture: dict, cache: Dict[str, List[dict]]) -> List[dict]:
    base = fixture.get("base")
    if base is None:
        docs: List[dict] = []
    elif base.startswith("overlay:"):
        name = base.split(":", 1)[1]
        if base not in cache:
            cache[base] = k8s_checks.render(os.path.join(OVERLAYS_DIR, name))
        docs = copy.deepcopy(cache[base])
    else:
        with open(os.path.join(FIXTURES_DIR, base)) as f:
            docs = k8s_checks.load_documents(f.read())
    remove = fixture.get("remove") or []
    docs = [d for d in docs if not any(fnmatch.fnmatchcase(_select_key(d), r) for r in remove)]
    for patch in fixture.get("patches") or []:
        targets = [d for d in docs if fnmatch.fnmatchcase(_select_key(d), patch["select"])]
        if len(targets) != 1:
            raise ValueError(f"patch selects {patch['select']}: {len(targets)} documents")
        apply_patch(targets[0], patch["op"], patch["path"], patch.get("value"))
    docs += fixture.get("documents") or []
    return docs


def _select_key(doc: dict) -> str:
    return f"{doc.get('kind')}/{(doc.get('metadata') or {}).get('name')}"


def run_fixtures(paths: List[str]) -> int:
    validator = k8s_checks.SchemaValidator(SCHEMA_DIR, CRD_SCHEMA_DIR)
    cache: Dict[str, List[dict]] = {}
    secrets_cache: Dict[str, List[dict]] = {}
    failed = 0
    covered = set()
    for path in paths:
        name = os.path.basename(path)
        with open(path) as f:
            fixture = yaml.safe_load(f)
        expected = set(fixture.get("expect") or [])
        base = fixture.get("base") or ""
        overlay_name = base.split(":", 1)[1] if base.startswith("overlay:") else None
        try:
            docs = fixture_documents(fixture, cache)
            secrets = None
            if overlay_name:
                if overlay_name not in secrets_cache:
                    secrets_cache[overlay_name] = secrets_for(overlay_name)
                secrets = secrets_cache[overlay_name]
            elif "known_secrets" in fixture:
                secrets = [{"apiVersion": "v1", "kind": "Secret",
                            "metadata": {"name": s, "namespace": fixture.get("namespace",
                                                                             "default")},
                            "type": "Opaque"} for s in fixture["known_secrets"]]
            findings = all_findings(docs, validator, secrets, overlay_name,
                                    layout=overlay_name is not None)
        except Exception as e:  # a broken fixture is a failure, not a crash
            print(f"FAIL: {name}: cannot evaluate: {e}")
            failed += 1
            continue
        got = {f.rule for f in findings}
        covered |= got
        if got == expected:
            shown = "; ".join(str(f) for f in findings[:2])
            print(f"ok: {name}: " + (f"fails {sorted(got)} as expected ({shown})"
                                     if got else "passes every check"))
        else:
            failed += 1
            print(f"FAIL: {name}: expected failures {sorted(expected)}, got {sorted(got)}")
            for f in findings:
                print(f"  {f}")
    passed = len(paths) - failed
    # Run over every fixture, each check must be proven able to fail by at least one of them.
    all_rules = set(k8s_checks.ALL_RULES) | {"lookout-layout"}
    if len(paths) > 1 and not all_rules <= covered:
        failed += 1
        print(f"FAIL: no fixture makes these checks fail: {sorted(all_rules - covered)}")
    print(f"{passed} passed, {failed} failed")
    return 1 if failed else 0


def main(argv: List[str]) -> int:
    if len(argv) < 2 or argv[1] not in ("overlays", "fixtures"):
        print(__doc__)
        return 2
    if k8s_checks.find_kubectl() is None:
        print("SKIP: kubectl not found; it renders the overlays (kubectl kustomize)")
        return SKIP
    if argv[1] == "overlays":
        dirs = argv[2:] or sorted(os.path.join(OVERLAYS_DIR, d) for d in os.listdir(OVERLAYS_DIR)
                                  if os.path.isdir(os.path.join(OVERLAYS_DIR, d)))
        return run_overlays(dirs, with_components=not argv[2:])
    paths = argv[2:] or sorted(os.path.join(FIXTURES_DIR, f) for f in os.listdir(FIXTURES_DIR)
                               if f.endswith(".yaml") and not f.startswith("_"))
    return run_fixtures(paths)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
