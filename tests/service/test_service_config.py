"""ServiceConfig bounds, cross-field checks and its PIXELSVC_* variables."""

from __future__ import annotations

from pathlib import Path

import pytest

from pixelsvc.config import ServiceConfig, load_service_config
from pixelsvc.errors import ConfigError


def test_environment_sets_every_level() -> None:
    config = load_service_config({
        "PIXELSVC_PORT": "6000", "PIXELSVC_METRICS_PORT": "0", "PIXELSVC_PLAINTEXT": "1",
        "PIXELSVC_MAX_BATCH_FRAMES": "4", "PIXELSVC_MAX_WAIT_MS": "2.5", "PIXELSVC_DEVICE": "cpu",
        "PIXELSVC_GRACE_SECONDS": "7", "PIXELSVC_TLS_CLIENT_CA": "/etc/ca.pem",
    })
    assert (config.port, config.metrics_port, config.plaintext, config.grace_seconds) == (6000, 0, True, 7.0)
    assert (config.batcher.max_batch_frames, config.batcher.max_wait_ms) == (4, 2.5)
    assert config.engine.device == "cpu" and config.tls_client_ca == Path("/etc/ca.pem")


def test_overrides_beat_environment() -> None:
    config = load_service_config({"PIXELSVC_PORT": "6000", "PIXELSVC_MAX_BATCH_FRAMES": "4"}, port=7000,
                                 batcher={"max_batch_frames": 2}, engine={"device": "cpu"})
    assert (config.port, config.batcher.max_batch_frames, config.engine.device) == (7000, 2, "cpu")


def test_bad_values_name_the_variable_or_field() -> None:
    with pytest.raises(ConfigError, match="PIXELSVC_PORT"):
        load_service_config({"PIXELSVC_PORT": "http"})
    with pytest.raises(ConfigError, match=r"ServiceConfig\.port"):
        ServiceConfig(port=70000)
    with pytest.raises(ConfigError, match="max_chunk_bytes"):
        ServiceConfig(max_chunk_bytes=8 << 20, max_message_bytes=8 << 20)


def test_transport_must_be_chosen(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="--plaintext"):
        ServiceConfig().verify_transport()
    with pytest.raises(ConfigError, match="choose one"):
        ServiceConfig(plaintext=True, tls_cert=tmp_path / "c.pem").verify_transport()
    with pytest.raises(ConfigError, match="not a readable file"):
        ServiceConfig(tls_cert=tmp_path / "c.pem", tls_key=tmp_path / "k.pem").verify_transport()
    ServiceConfig(plaintext=True).verify_transport()


def test_max_connection_age_from_env_and_as_grpc_options() -> None:
    from pixelsvc.service.server import _connection_age_options

    config = load_service_config({"PIXELSVC_MAX_CONNECTION_AGE_SECONDS": "300"})
    assert config.max_connection_age_seconds == 300
    assert dict(_connection_age_options(300))["grpc.max_connection_age_ms"] == 300_000
    assert _connection_age_options(0) == []
    with pytest.raises(ConfigError):
        load_service_config({"PIXELSVC_MAX_CONNECTION_AGE_SECONDS": "-1"})


def test_environment_sets_stage_sections() -> None:
    from pixelsvc.config import load_engine_config

    config = load_engine_config({"PIXELSVC_DET_FINE_FACTOR": "2.0", "PIXELSVC_PHI_FUZZY_THRESHOLD": "0.7",
                                 "PIXELSVC_MASK_MARGIN": "5"})
    assert (config.det.fine_factor, config.phi.fuzzy_threshold, config.mask.margin) == (2.0, 0.7, 5)
    assert config.det.max_side == 1280  # the section's other fields keep their defaults
    with pytest.raises(ConfigError, match="PIXELSVC_DET_FINE_FACTOR"):
        load_engine_config({"PIXELSVC_DET_FINE_FACTOR": "twice"})
    with pytest.raises(ConfigError, match="PIXELSVC_PHI_ALLOWLIST"):
        load_engine_config({"PIXELSVC_PHI_ALLOWLIST": "HEAD"})  # a word list is not set from one variable
