"""pixelsvc.service.probe, the image's HEALTHCHECK (also the TLS variant's exec probe), against real servers.

It must exit 0 only for a SERVING server: not while the models load, not when nothing listens,
not when the TLS peer cannot be verified; and it must work in plaintext, TLS and mutual TLS. A
failure says why in one line on stderr (Docker's health log, kubelet's probe event), never a traceback.

Most cases call `main(env)` in-process; a few run the Dockerfile's HEALTHCHECK command itself, as the
container would, with only the given settings in its environment.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pixelsvc.pipeline import Engine
from pixelsvc.service.probe import main
from tests.deploy.dockerfile import healthcheck_command
from tests.deploy.kube import REPO
from tests.deploy.live import LiveServer
from tests.service.harness import free_port, local_config, running_server

SERVING, NOT_SERVING = 0, 1
SERVER_NAME = "pixelsvc.pixelsvc.svc.cluster.local"


def run_healthcheck(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run the Dockerfile's HEALTHCHECK command (`python` being this interpreter) with only `env` set."""
    base = {k: v for k, v in os.environ.items()
            if not k.startswith(("PIXELSVC_", "HEALTH_PROBE_", "GRPC_", "http_", "https_", "HTTP", "NO_PROXY"))}
    argv = healthcheck_command(REPO / "Dockerfile.gpu")
    argv = [sys.executable if argv[0] == "python" else argv[0], *argv[1:]]
    return subprocess.run(argv, env=base | env, cwd=REPO, capture_output=True, text=True, timeout=60)


def one_line_reason(stderr: str) -> str:
    """The probe's reason for failing, checking that it is exactly one line and not a traceback."""
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    assert lines[0].startswith("pixelsvc probe: "), lines[0]
    return lines[0]


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
    (d / "san.ext").write_text(f"subjectAltName=DNS:{SERVER_NAME},DNS:localhost\n")
    openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", "/CN=pixelsvc", "-keyout", "tls.key", "-out", "tls.csr")
    openssl("x509", "-req", "-in", "tls.csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-days", "1",
            "-extfile", "san.ext", "-out", "tls.crt")
    return d


def test_plaintext_serving(live: LiveServer, capsys: pytest.CaptureFixture[str]) -> None:
    env = {"PIXELSVC_PORT": str(live.port), "PIXELSVC_PLAINTEXT": "true"}
    assert main(env) == SERVING
    assert capsys.readouterr().err == ""
    result = run_healthcheck(env)
    assert result.returncode == SERVING, result.stderr
    assert result.stdout == result.stderr == ""


def test_not_serving_while_loading(engine: Engine, capsys: pytest.CaptureFixture[str]) -> None:
    with running_server(local_config(engine), engine, load=False) as loading:
        assert main({"PIXELSVC_PORT": str(loading.port), "PIXELSVC_PLAINTEXT": "1"}) == NOT_SERVING
    assert "is NOT_SERVING" in one_line_reason(capsys.readouterr().err)


def test_nothing_listening_fails_in_one_line() -> None:
    result = run_healthcheck({"PIXELSVC_PORT": str(free_port()), "PIXELSVC_PLAINTEXT": "1"})
    assert result.returncode == NOT_SERVING
    assert "UNAVAILABLE" in one_line_reason(result.stderr)


def test_bad_settings_fail_in_one_line(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main({"PIXELSVC_PORT": "grpc"}) == NOT_SERVING
    assert "PIXELSVC_PORT" in one_line_reason(capsys.readouterr().err)
    missing = tmp_path / "missing-ca.crt"
    assert main({"PIXELSVC_PORT": str(free_port()), "HEALTH_PROBE_CA": str(missing)}) == NOT_SERVING
    assert f"HEALTH_PROBE_CA ({missing})" in one_line_reason(capsys.readouterr().err)


def test_tls_and_mutual_tls(engine: Engine, certificates: Path, capsys: pytest.CaptureFixture[str]) -> None:
    d = certificates
    tls_env = {"PIXELSVC_TLS_CERT": str(d / "tls.crt"), "PIXELSVC_TLS_KEY": str(d / "tls.key"),
               "HEALTH_PROBE_CA": str(d / "ca.crt"), "HEALTH_PROBE_SERVER_NAME": SERVER_NAME}
    config = local_config(engine, plaintext=False, tls_cert=d / "tls.crt", tls_key=d / "tls.key")
    with running_server(config, engine) as tls:
        env = tls_env | {"PIXELSVC_PORT": str(tls.port)}
        assert main(env) == SERVING
        assert main(env | {"PIXELSVC_PLAINTEXT": "true"}) != SERVING
        one_line_reason(capsys.readouterr().err)
        wrong_name = run_healthcheck(env | {"HEALTH_PROBE_SERVER_NAME": "elsewhere.example.org"})
        assert wrong_name.returncode == NOT_SERVING
        assert "UNAVAILABLE" in one_line_reason(wrong_name.stderr)
    mutual = local_config(engine, plaintext=False, tls_cert=d / "tls.crt", tls_key=d / "tls.key",
                          tls_client_ca=d / "ca.crt")
    with running_server(mutual, engine) as mtls:
        env = tls_env | {"PIXELSVC_PORT": str(mtls.port)}
        assert main(env) != SERVING, "the server requires a client certificate"
        one_line_reason(capsys.readouterr().err)
        env |= {"PIXELSVC_TLS_CLIENT_CA": str(d / "ca.crt")}
        assert main(env) == SERVING
        result = run_healthcheck(env)
        assert result.returncode == SERVING, result.stderr


def test_probe_does_not_import_torch() -> None:
    """The probe runs every few seconds inside the pod: it must not pay for loading torch."""
    code = "import sys, pixelsvc.service.probe; raise SystemExit('torch' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], check=False, timeout=60).returncode == 0
