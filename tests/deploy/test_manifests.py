"""k8s/: every variant renders with kustomize, validates offline, and says what the server does.

Schemas: built-in kinds against the Kubernetes OpenAPI schemas bundled with kubernetes-validate
(strict: unknown fields fail) for the oldest and newest supported versions; the KEDA ScaledObject
and the Prometheus operator's PodMonitor against the CRD schemas in crd_schemas/. Beyond schemas,
the checks tie the manifests to the server: ports, health service, drain timing, settings that
load_service_config accepts, selectors that select the pods.
"""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import kubernetes_validate
import pytest
import yaml

from pixelsvc.config import load_service_config
from pixelsvc.service import probe as health_probe
from pixelsvc.service.server import SERVICE_NAME
from tests.deploy.dockerfile import healthcheck_command, parse_dockerfile
from tests.deploy.kube import (
    CRD_KINDS,
    K8S,
    KUBERNETES_VERSIONS,
    REPO,
    Doc,
    component_dirs,
    container,
    container_env,
    find,
    find_all,
    kustomization_dirs,
    load_yaml_docs,
    pod_template,
    selector_matches,
    validate_builtin,
    validate_custom,
    variant_names,
)
from tests.deploy.promql import parse_query

VARIANTS = variant_names()
DEPLOYABLE = [v for v in VARIANTS if v.startswith("overlays/")]
PROBES = ("startupProbe", "readinessProbe", "livenessProbe")
DRAIN_MARGIN_SECONDS = 5
"""Time after the gRPC grace for the batcher to drain and the process to exit."""
NOT_MANIFESTS = {K8S / "components" / "hpa-prometheus-adapter" / "prometheus-adapter-values.yaml"}
"""YAML under k8s/ that is not a Kubernetes resource (Helm values for prometheus-adapter)."""


def deployment(variants: dict[str, list[Doc]], variant: str) -> Doc:
    return find(variants[variant], "Deployment", "pixelsvc")


def is_tls(env: dict[str, str]) -> bool:
    return not load_service_config(env).plaintext


# --- rendering and schemas -----------------------------------------------------------------------


def test_there_is_a_base_and_overlays() -> None:
    assert "base" in VARIANTS and "overlays/example" in VARIANTS and "overlays/example-hpa" in VARIANTS


@pytest.mark.parametrize("variant", VARIANTS)
@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_rendered_resources_match_their_schemas(variants: dict[str, list[Doc]], variant: str, version: str) -> None:
    docs = variants[variant]
    assert docs
    for doc in docs:
        where = f"{variant}: {doc['kind']}/{doc['metadata']['name']}"
        if (doc["apiVersion"], doc["kind"]) in CRD_KINDS:
            try:
                validate_custom(doc, version)
            except jsonschema.ValidationError as exc:
                pytest.fail(f"{where}: {'.'.join(map(str, exc.path))}: {exc.message}")
            continue
        try:
            validate_builtin(doc, version)
        except kubernetes_validate.ValidationError as exc:
            pytest.fail(f"{where} (Kubernetes {version}): {'.'.join(map(str, exc.path))}: {exc.message}")
        except kubernetes_validate.SchemaNotFoundError:
            pytest.fail(f"{where}: no schema: add its CRD schema to tests/deploy/crd_schemas and CRD_KINDS")


def test_validation_can_fail() -> None:
    """Strict validation rejects a misspelt field in a built-in kind and in each custom resource."""
    base = {d["kind"]: d for d in load_yaml_docs(K8S / "base" / "deployment.yaml")
            + load_yaml_docs(K8S / "base" / "podmonitor.yaml") + load_yaml_docs(K8S / "components" / "keda"
                                                                               / "scaledobject.yaml")}
    bad = json.loads(json.dumps(base["Deployment"]))
    bad["spec"]["template"]["spec"]["terminationGracePeriod"] = 45
    with pytest.raises(kubernetes_validate.ValidationError):
        validate_builtin(bad, KUBERNETES_VERSIONS[-1])
    bad = json.loads(json.dumps(base["ScaledObject"]))
    bad["spec"]["triggers"][0]["metadata"]["threshold"] = 32  # KEDA wants strings
    with pytest.raises(jsonschema.ValidationError):
        validate_custom(bad)
    bad = json.loads(json.dumps(base["ScaledObject"]))
    bad["spec"]["minReplicas"] = 1
    with pytest.raises(jsonschema.ValidationError):
        validate_custom(bad)
    bad = json.loads(json.dumps(base["PodMonitor"]))
    bad["spec"]["podMetricsEndpoints"][0]["intervall"] = "15s"
    with pytest.raises(jsonschema.ValidationError):
        validate_custom(bad)


def test_crd_cel_rules(variants: dict[str, list[Doc]]) -> None:
    """The ScaledObject CRD's x-kubernetes-validations rule, which JSON Schema cannot express."""
    for docs in variants.values():
        for scaled in find_all(docs, "ScaledObject"):
            spec = scaled["spec"]
            assert spec.get("minReplicaCount", 0) <= spec.get("maxReplicaCount", 100)
            fallback = spec.get("fallback")
            if fallback:
                assert spec.get("minReplicaCount", 0) <= fallback["replicas"] <= spec.get("maxReplicaCount", 100)


def test_every_yaml_file_is_part_of_a_kustomization() -> None:
    """No manifest escapes validation by not being rendered."""
    used: set[Path] = set()
    for path in K8S.rglob("kustomization.yaml"):
        spec = yaml.safe_load(path.read_text())
        used.add(path)
        for entry in spec.get("resources", []):
            if (path.parent / entry).is_file():
                used.add((path.parent / entry).resolve())
        for patch in spec.get("patches", []):
            if "path" in patch:
                used.add((path.parent / patch["path"]).resolve())
        for generator in spec.get("configMapGenerator", []):
            for item in generator.get("envs", []) + generator.get("files", []):
                used.add((path.parent / item.split("=")[-1]).resolve())
    used = {p.resolve() for p in used}
    for path in K8S.rglob("*"):
        if path.is_file() and path.suffix in (".yaml", ".yml", ".json", ".env") and path not in NOT_MANIFESTS:
            assert path.resolve() in used, f"{path.relative_to(REPO)} is in no kustomization"
    rendered = {(K8S / "components" / "keda-scale-to-zero").resolve()}  # the ad-hoc SCALE_TO_ZERO variant
    for directory in kustomization_dirs().values():
        spec = yaml.safe_load((directory / "kustomization.yaml").read_text())
        rendered.update((directory / c).resolve() for c in spec.get("components", []))
    for name, directory in component_dirs().items():
        assert directory.resolve() in rendered, f"component {name} is in no rendered variant"


# --- the Deployment against the server -------------------------------------------------------------


@pytest.mark.parametrize("variant", VARIANTS)
def test_settings_are_accepted_by_the_server(variants: dict[str, list[Doc]], variant: str) -> None:
    """The container's PIXELSVC_* environment builds a valid ServiceConfig with the advertised ports."""
    docs = variants[variant]
    dep = deployment(variants, variant)
    env = container_env(docs, dep)
    config = load_service_config(env)
    ports = {p["name"]: p["containerPort"] for p in container(dep)["ports"]}
    assert ports == {"grpc": config.port, "metrics": config.metrics_port}
    assert config.engine.device == "cuda"
    if config.plaintext:
        assert not (config.tls_cert or config.tls_key)
    else:
        mounts = {m["mountPath"]: m for m in container(dep)["volumeMounts"]}
        volumes = {v["name"]: v for v in pod_template(dep)["spec"]["volumes"]}
        for path in (config.tls_cert, config.tls_key, env.get("HEALTH_PROBE_CA")):
            assert path is not None
            mount = next(m for p, m in mounts.items() if str(path).startswith(p + "/"))
            assert mount.get("readOnly") and "secret" in volumes[mount["name"]], path
            assert Path(str(path)).name in ("tls.crt", "tls.key", "ca.crt")


@pytest.mark.parametrize("variant", VARIANTS)
def test_gpu_scheduling_and_resources(variants: dict[str, list[Doc]], variant: str) -> None:
    dep = deployment(variants, variant)
    spec = pod_template(dep)["spec"]
    resources = container(dep)["resources"]
    assert resources["limits"]["nvidia.com/gpu"] == 1
    assert resources["requests"].get("nvidia.com/gpu", 1) == 1
    assert {"cpu", "memory"} <= set(resources["requests"]) and "memory" in resources["limits"]
    assert spec["nodeSelector"].get("nvidia.com/gpu.present") == "true"
    assert any(t["key"] == "nvidia.com/gpu" and t["effect"] == "NoSchedule" for t in spec["tolerations"])


@pytest.mark.parametrize("variant", VARIANTS)
def test_probes_ask_the_health_service(variants: dict[str, list[Doc]], variant: str) -> None:
    """Native gRPC probes in plaintext; with TLS (kubelet probes cannot do TLS) the image's HEALTHCHECK module."""
    docs = variants[variant]
    dep = deployment(variants, variant)
    env = container_env(docs, dep)
    c = container(dep)
    for name in PROBES:
        probe = c[name]
        handlers = {"grpc", "exec", "httpGet", "tcpSocket"} & set(probe)
        assert len(handlers) == 1, (name, handlers)
        if is_tls(env):
            command = probe["exec"]["command"]
            assert command == ["python", "-m", health_probe.__name__], f"{name} does not run the probe module"
            assert command == healthcheck_command(REPO / "Dockerfile.gpu"), f"{name} differs from the HEALTHCHECK"
            assert probe["timeoutSeconds"] > health_probe.TIMEOUT_SECONDS
            server_name = env["HEALTH_PROBE_SERVER_NAME"]
            namespace = dep["metadata"].get("namespace")
            if namespace:
                assert server_name == f"pixelsvc.{namespace}.svc.cluster.local", server_name
        else:
            assert probe["grpc"] == {"port": int(env["PIXELSVC_PORT"]), "service": SERVICE_NAME}


@pytest.mark.parametrize("variant", VARIANTS)
def test_drain_fits_the_termination_grace_period(variants: dict[str, list[Doc]], variant: str) -> None:
    """preStop + the server's grace + the batcher's drain fit before SIGKILL; a draining pod (NOT_SERVING)
    leaves the endpoints at once but is never killed by its liveness probe; loading gets enough time."""
    docs = variants[variant]
    dep = deployment(variants, variant)
    spec = pod_template(dep)["spec"]
    c = container(dep)
    grace = load_service_config(container_env(docs, dep)).grace_seconds
    pre_stop = c["lifecycle"]["preStop"]["sleep"]["seconds"]
    termination = spec["terminationGracePeriodSeconds"]
    assert termination >= pre_stop + grace + DRAIN_MARGIN_SECONDS
    liveness = c["livenessProbe"]
    assert liveness["periodSeconds"] * liveness["failureThreshold"] > termination
    readiness = c["readinessProbe"]
    assert readiness["periodSeconds"] * readiness["failureThreshold"] <= 10
    startup = c["startupProbe"]
    assert startup["periodSeconds"] * startup["failureThreshold"] >= 120


@pytest.mark.parametrize("variant", VARIANTS)
def test_restricted_security_context(variants: dict[str, list[Doc]], variant: str) -> None:
    """The Pod Security Standard "restricted" profile, a read-only root with a writable /tmp, the image's uid."""
    dep = deployment(variants, variant)
    spec = pod_template(dep)["spec"]
    pod_sc = spec["securityContext"]
    (user,) = parse_dockerfile(REPO / "Dockerfile.gpu").stage("runtime").all("USER")
    assert pod_sc["runAsNonRoot"] is True and pod_sc["runAsUser"] == int(user.args.split(":")[0]) != 0
    assert pod_sc["seccompProfile"]["type"] == "RuntimeDefault"
    assert spec["automountServiceAccountToken"] is False
    assert not {"hostNetwork", "hostPID", "hostIPC"} & {k for k, v in spec.items() if v}
    for c in spec["containers"]:
        sc = c["securityContext"]
        assert sc["allowPrivilegeEscalation"] is False and sc["readOnlyRootFilesystem"] is True
        assert sc.get("privileged", False) is False and sc["capabilities"]["drop"] == ["ALL"]
        assert not sc["capabilities"].get("add")
        assert "/tmp" in {m["mountPath"] for m in c["volumeMounts"]}
    for volume in spec["volumes"]:
        assert set(volume) - {"name"} <= {"emptyDir", "secret", "configMap", "projected"}, volume


@pytest.mark.parametrize("variant", DEPLOYABLE)
def test_overlays_pin_the_image_and_enforce_restricted(variants: dict[str, list[Doc]], variant: str) -> None:
    dep = deployment(variants, variant)
    image = container(dep)["image"]
    assert "/" in image and (":" in image.rsplit("/", 1)[1] or "@sha256:" in image), image
    assert not image.endswith(":latest")
    namespace = find(variants[variant], "Namespace")
    assert namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"] == "restricted"
    assert all(d["metadata"].get("namespace") == namespace["metadata"]["name"]
               for d in variants[variant] if d["kind"] != "Namespace")


# --- selectors, ports, autoscaler wiring -------------------------------------------------------------


@pytest.mark.parametrize("variant", VARIANTS)
def test_selectors_select_the_pods(variants: dict[str, list[Doc]], variant: str) -> None:
    docs = variants[variant]
    dep = deployment(variants, variant)
    labels = pod_template(dep)["metadata"]["labels"]
    port_names = {p["name"] for p in container(dep)["ports"]}
    assert selector_matches(dep["spec"]["selector"], labels)
    service = find(docs, "Service", "pixelsvc")
    assert service["spec"]["clusterIP"] == "None", "headless: clients balance over pod addresses"
    assert not service["spec"].get("publishNotReadyAddresses")
    assert selector_matches(service["spec"]["selector"], labels)
    assert {p["targetPort"] for p in service["spec"]["ports"]} == port_names
    monitor = find(docs, "PodMonitor")
    assert selector_matches(monitor["spec"]["selector"], labels)
    assert [(e["port"], e["path"]) for e in monitor["spec"]["podMetricsEndpoints"]] == [("metrics", "/metrics")]
    pdb = find(docs, "PodDisruptionBudget")
    assert selector_matches(pdb["spec"]["selector"], labels) and pdb["spec"]["maxUnavailable"] == 1
    policy = find(docs, "NetworkPolicy")
    assert selector_matches(policy["spec"]["podSelector"], labels)
    opened = {p["port"] for rule in policy["spec"]["ingress"] for p in rule["ports"]}
    assert opened == port_names, "ingress only to the gRPC and metrics ports"
    assert all(rule.get("ports") for rule in policy["spec"]["ingress"]), "a rule without ports opens every port"
    if "Egress" in policy["spec"]["policyTypes"]:
        assert policy["spec"].get("egress", []) == []


@pytest.mark.parametrize("variant", VARIANTS)
def test_autoscaler_targets_the_deployment(variants: dict[str, list[Doc]], variant: str) -> None:
    docs = variants[variant]
    dep = deployment(variants, variant)
    scalers = find_all(docs, "ScaledObject") + find_all(docs, "HorizontalPodAutoscaler")
    if variant == "base":
        assert not scalers, "the base leaves the autoscaler to the overlays"
    else:
        assert len(scalers) == 1, "exactly one autoscaler per deployment (KEDA creates its own HPA)"
        ref = scalers[0]["spec"]["scaleTargetRef"]
        assert (ref["kind"], ref["name"], ref.get("apiVersion")) == ("Deployment", "pixelsvc", "apps/v1")
    assert "replicas" not in dep["spec"], "the autoscaler owns replicas; apply would reset them"


@pytest.mark.parametrize("variant", VARIANTS)
def test_queries_select_the_namespace_they_are_deployed_in(variants: dict[str, list[Doc]], variant: str) -> None:
    """kustomize's `namespace:` does not rewrite PromQL: a query must name the namespace by hand."""
    for scaled in find_all(variants[variant], "ScaledObject"):
        namespace = scaled["metadata"].get("namespace")
        for trigger in scaled["spec"]["triggers"]:
            if trigger["type"] != "prometheus":
                continue
            assert trigger["metadata"]["ignoreNullValues"] == "false" or " or vector(0)" in \
                trigger["metadata"]["query"], "no data must not read as an idle queue"
            for selector in parse_query(trigger["metadata"]["query"]).selectors:
                matched = {v for k, op, v in selector.matchers if k == "namespace" and op == "="}
                assert matched == {namespace or "pixelsvc"}, (variant, trigger["metadata"]["query"])


def test_the_dashboard_configmap_carries_the_json(variants: dict[str, list[Doc]]) -> None:
    docs = variants["overlays/example"]
    config_map = find(docs, "ConfigMap", "pixelsvc-grafana-dashboard")
    assert config_map["metadata"]["labels"]["grafana_dashboard"] == "1"
    shipped = json.loads(config_map["data"]["pixelsvc.json"])
    assert shipped == json.loads((K8S / "dashboards" / "pixelsvc.json").read_text())
    assert len(config_map["data"]["pixelsvc.json"]) < 200_000, "kubectl apply's annotation limit is 256 KiB"
