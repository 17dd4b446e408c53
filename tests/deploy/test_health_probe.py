"""The image's HEALTHCHECK code (also the TLS variant's exec probe) against real servers.

It must exit 0 only for a SERVING server: not while the models load, not when nothing listens,
not when the TLS peer cannot be verified; and it must work in plaintext, TLS and mutual TLS.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pixelsvc.pipeline import Engine
from tests.deploy.dockerfile import healthcheck_code
from tests.deploy.kube import REPO
from tests.deploy.live import LiveServer
from tests.service.harness import free_port, local_config, running_server

SERVING, NOT_SERVING = 0, 1


def probe(env: dict[str, str]) -> int:
    """Run the HEALTHCHECK code as the container would, with only the given settings in the environment."""
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("PIXELSVC_", "HEALTH_PROBE_", "GRPC_", "http_", "https_", "HTTP", "NO_PROXY"))}
    code = healthcheck_code(REPO / "Dockerfile.gpu")
    result = subprocess.run([sys.executable, "-c", code], env=base | env, capture_output=True, timeout=30)
    return result.returncode


@pytest.fixture(scope="module")
def certificates(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A CA and a server certificate for localhost, made with openssl (as tests/service does)."""
    if subprocess.run(["which", "openssl"], capture_output=True).returncode != 0:
        pytest.skip("openssl not found: cannot make test certificates")
    d = tmp_path_factory.mktemp("probe-tls")

    def openssl(*args: str) -> None:
        subprocess.run(["openssl", *args], cwd=d, check=True, capture_output=True)

    openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=probe-ca",
            "-keyout", "ca.key", "-out", "ca.crt")
    (d / "san.ext").write_text("subjectAltName=DNS:pixelsvc.pixelsvc.svc.cluster.local,DNS:localhost\n")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=pixelsvc", "-keyout", "tls.key", "-out", "tls.csr")
    openssl("x509", "-req", "-in", "tls.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "1",
            "-extfile", "san.ext", "-out", "tls.crt")
    return d


def test_plaintext_serving(live: LiveServer) -> None:
    assert probe({"PIXELSVC_PORT": str(live.port), "PIXELSVC_PLAINTEXT": "true"}) == SERVING


def test_not_serving_while_loading(engine: Engine) -> None:
    with running_server(local_config(engine), engine, load=False) as loading:
        assert probe({"PIXELSVC_PORT": str(loading.port), "PIXELSVC_PLAINTEXT": "1"}) == NOT_SERVING


def test_nothing_listening_fails() -> None:
    assert probe({"PIXELSVC_PORT": str(free_port()), "PIXELSVC_PLAINTEXT": "1"}) != SERVING


def test_tls_and_mutual_tls(engine: Engine, certificates: Path) -> None:
    d = certificates
    tls_env = {"PIXELSVC_TLS_CERT": str(d / "tls.crt"), "PIXELSVC_TLS_KEY": str(d / "tls.key"),
               "HEALTH_PROBE_CA": str(d / "ca.crt"), "HEALTH_PROBE_SERVER_NAME": "pixelsvc.pixelsvc.svc.cluster.local"}
    config = local_config(engine, plaintext=False, tls_cert=d / "tls.crt", tls_key=d / "tls.key")
    with running_server(config, engine) as tls:
        env = tls_env | {"PIXELSVC_PORT": str(tls.port)}
        assert probe(env) == SERVING
        assert probe(env | {"HEALTH_PROBE_SERVER_NAME": "elsewhere.example.org"}) != SERVING
        assert probe(env | {"PIXELSVC_PLAINTEXT": "true"}) != SERVING
    mutual = local_config(engine, plaintext=False, tls_cert=d / "tls.crt", tls_key=d / "tls.key",
                          tls_client_ca=d / "ca.crt")
    with running_server(mutual, engine) as mtls:
        env = tls_env | {"PIXELSVC_PORT": str(mtls.port), "PIXELSVC_TLS_CLIENT_CA": str(d / "ca.crt")}
        assert probe(env) == SERVING
