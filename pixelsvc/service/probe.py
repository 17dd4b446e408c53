"""Health probe: ask the local server's grpc.health.v1 service whether pixelsvc is SERVING.

Run as ``python -m pixelsvc.service.probe``. It exits 0 when the server reports SERVING and 1 in
every other case: NOT_SERVING (loading models, draining), an unknown service, nothing listening, a
TLS peer that cannot be verified, an unreadable certificate. It then prints one line saying why to
stderr, which Docker keeps in the container's health log and kubelet puts in the probe's event.

Why it exists: Dockerfile.gpu's HEALTHCHECK needs a command to run, and kubelet's native gRPC
probes speak plaintext only, so k8s/components/tls replaces them with exec probes that run this
module over TLS (and mutual TLS). Both run the same code, configured by the container's environment:

- ``PIXELSVC_PORT``: the server's port on 127.0.0.1 (default 50051).
- ``PIXELSVC_PLAINTEXT``: 1/true/yes/on for plaintext, as the server reads it; otherwise TLS.
- ``HEALTH_PROBE_CA``: the CA bundle to verify the server with (unset: the system roots).
- ``HEALTH_PROBE_SERVER_NAME``: the name the certificate must carry (default localhost), since the
  probe dials 127.0.0.1 but the certificate names the address clients dial.
- ``PIXELSVC_TLS_CLIENT_CA``: when set, the server requires client certificates, so the probe
  presents the server's own ``PIXELSVC_TLS_CERT``/``PIXELSVC_TLS_KEY``.

It imports only grpc and the health stubs, not the server, so that it starts quickly.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

__all__ = ["SERVICE_NAME", "TIMEOUT_SECONDS", "main"]

SERVICE_NAME = "pixelsvc.v1.RedactorService"
"""The service whose health is asked (server.SERVICE_NAME; not imported, to keep the probe light)."""
TIMEOUT_SECONDS = 3.0
"""Deadline of the Check call: below HEALTHCHECK --timeout and the probes' timeoutSeconds."""
DEFAULT_PORT = "50051"
DEFAULT_SERVER_NAME = "localhost"
_TRUE = ("1", "true", "yes", "on")


class ProbeError(Exception):
    """A reason the probe cannot tell that the server is SERVING (the message is the one-line reason)."""


def _read(environ: Mapping[str, str], name: str) -> bytes | None:
    """The contents of the file that variable `name` points to, or None when it is unset or empty."""
    path = environ.get(name)
    if not path:
        return None
    try:
        with open(path, "rb") as file:
            return file.read()
    except OSError as error:
        raise ProbeError(f"cannot read {name} ({path}): {error.strerror or error}") from None


def _channel(environ: Mapping[str, str], target: str) -> grpc.Channel:
    """A plaintext or TLS channel to `target`, as the server's settings in `environ` require."""
    if environ.get("PIXELSVC_PLAINTEXT", "").strip().lower() in _TRUE:
        return grpc.insecure_channel(target)
    mutual = bool(environ.get("PIXELSVC_TLS_CLIENT_CA"))
    credentials = grpc.ssl_channel_credentials(
        root_certificates=_read(environ, "HEALTH_PROBE_CA"),
        private_key=_read(environ, "PIXELSVC_TLS_KEY") if mutual else None,
        certificate_chain=_read(environ, "PIXELSVC_TLS_CERT") if mutual else None,
    )
    server_name = environ.get("HEALTH_PROBE_SERVER_NAME") or DEFAULT_SERVER_NAME
    return grpc.secure_channel(target, credentials, options=[("grpc.ssl_target_name_override", server_name)])


def check(environ: Mapping[str, str]) -> None:
    """Return if the server is SERVING; raise ProbeError saying why not otherwise."""
    port = environ.get("PIXELSVC_PORT") or DEFAULT_PORT
    if not port.strip().isdigit():
        raise ProbeError(f"PIXELSVC_PORT = {port!r} is not a port number")
    target = f"127.0.0.1:{port.strip()}"
    try:
        with _channel(environ, target) as channel:
            request = health_pb2.HealthCheckRequest(service=SERVICE_NAME)
            response = health_pb2_grpc.HealthStub(channel).Check(request, timeout=TIMEOUT_SECONDS)
    except grpc.RpcError as error:
        # Channel errors (refused, TLS handshake, deadline) are RpcErrors that are also grpc.Calls.
        code = error.code().name if isinstance(error, grpc.Call) else type(error).__name__
        details = error.details() if isinstance(error, grpc.Call) else str(error)
        raise ProbeError(f"health check on {target} failed: {code}: {' '.join((details or '').split())}") from None
    if response.status != health_pb2.HealthCheckResponse.SERVING:
        status = health_pb2.HealthCheckResponse.ServingStatus.Name(response.status)
        raise ProbeError(f"{SERVICE_NAME} on {target} is {status}")


def main(environ: Mapping[str, str] | None = None) -> int:
    """Probe the server configured by `environ` (default: os.environ): 0 when SERVING, 1 otherwise."""
    try:
        check(os.environ if environ is None else environ)
    except ProbeError as error:
        reason = str(error)
    except Exception as error:  # anything else is a failed probe too, reported in one line, not a traceback
        reason = f"{type(error).__name__}: {' '.join(str(error).split())}"
    else:
        return 0
    print(f"pixelsvc probe: {reason}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
