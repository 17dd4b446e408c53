"""Dockerfile.gpu without Docker: lint it, and check that everything it names exists and agrees.

CI has no Docker daemon, so the image is never built there. These checks keep the Dockerfile honest
instead: hadolint, every COPY source present and inside the build context, every command and script
it runs present, the pip lines consistent with pyproject.toml and CI's torch pin, the CUDA base image
consistent with the torch CUDA build, and the runtime stage free of compilers and root.
"""

from __future__ import annotations

import contextlib
import io
import re
import stat
import subprocess
import sys
import tomllib
from dataclasses import fields
from fnmatch import fnmatch
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from pixelsvc.cli import main as cli_main
from pixelsvc.config import BatcherConfig, EngineConfig, ServiceConfig
from tests.deploy.dockerfile import Dockerfile, dockerignore_excludes, parse_dockerfile, shell_commands
from tests.deploy.kube import REPO, tool

DOCKERFILE = REPO / "Dockerfile.gpu"
DOCKERIGNORE = REPO / ".dockerignore"
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())

UBUNTU_PYTHON = {"22.04": "3.10", "24.04": "3.12"}
"""python3 of each Ubuntu release the CUDA images are built on."""
COMPILERS = re.compile(r"^(gcc|g\+\+|clang|cc|c\+\+|make|cmake|build-essential|cuda-nvcc.*|cuda-toolkit.*|"
                       r"python3?(\.\d+)?-dev|lib.*-dev)$")
CUDA_IMAGE = re.compile(r"^nvidia/cuda:(\d+)\.(\d+)\.(\d+)-(base|runtime|cudnn-runtime)-ubuntu(\d+\.\d+)$")
ALLOWED_HADOLINT_IGNORES = {"DL3008"}
"""DL3008 (pin apt versions): the pinned CUDA image fixes the Ubuntu release; pinning python3's exact
Debian revision would break the build at every Ubuntu security update."""


@pytest.fixture(scope="module")
def dockerfile() -> Dockerfile:
    return parse_dockerfile(DOCKERFILE)


def config_variables() -> set[str]:
    """Every PIXELSVC_* variable load_service_config reads (scalar fields of the three config classes)."""
    nested = {"batcher", "engine", "render", "det", "rec", "phi", "mask"}
    return {"PIXELSVC_" + f.name.upper() for cls in (ServiceConfig, BatcherConfig, EngineConfig)
            for f in fields(cls) if f.name not in nested}


def pip_installs(dockerfile: Dockerfile) -> list[list[str]]:
    """argv of every `pip install` in the build stage, in order."""
    return [argv for run in dockerfile.stage("build").all("RUN") for argv in shell_commands(run)
            if argv[:2] == ["pip", "install"]]


def requirement_args(argv: list[str]) -> list[str]:
    """The package arguments of a pip install command (options and their values dropped)."""
    out = []
    skip = False
    for arg in argv[2:]:
        if skip:
            skip = False
        elif arg in ("--index-url", "--extra-index-url", "-i", "-c", "-r", "--constraint", "--requirement"):
            skip = True
        elif not arg.startswith("-"):
            out.append(arg)
    return out


def test_hadolint_is_clean() -> None:
    result = subprocess.run([tool("hadolint"), "--no-color", str(DOCKERFILE)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr


def test_only_justified_lint_rules_are_ignored(dockerfile: Dockerfile) -> None:
    ignored = {rule for pragma in dockerfile.pragmas for rule in re.findall(r"DL\d{4}|SC\d{4}", pragma)}
    assert ignored <= ALLOWED_HADOLINT_IGNORES, ignored


def test_multi_stage_on_one_cuda_image_without_compilers(dockerfile: Dockerfile) -> None:
    assert [s.name for s in dockerfile.stages] == ["build", "runtime"]
    bases = {dockerfile.resolve(s.base) for s in dockerfile.stages}
    assert len(bases) == 1, bases
    (base,) = bases
    match = CUDA_IMAGE.match(base)
    assert match, f"{base}: expected an nvidia/cuda base/runtime image (devel images ship compilers)"
    runtime = dockerfile.stage("runtime")
    packages = [arg for run in runtime.all("RUN") for argv in shell_commands(run)
                if argv[:2] == ["apt-get", "install"] for arg in argv[2:] if not arg.startswith("-")]
    assert "python3" in packages
    assert not [p for p in packages if COMPILERS.match(p.split("=")[0])], packages
    assert not runtime.all("ADD")
    for copy in runtime.all("COPY"):
        assert copy.flags().get("from") == "build", f"runtime copies only build outputs, not sources: {copy}"


def test_torch_is_cis_pin_from_the_matching_cuda_index(dockerfile: Dockerfile) -> None:
    setup = (REPO / "scripts" / "setup.sh").read_text()
    ci_pin = re.search(r"torch==\$\{PIXELSVC_TORCH_VERSION:-([\d.]+)\}", setup)
    assert ci_pin, "scripts/setup.sh no longer pins torch the way this test reads it"
    torch_installs = [argv for argv in pip_installs(dockerfile) if any(a.startswith("torch") for a in argv)]
    assert len(torch_installs) == 1, torch_installs
    argv = torch_installs[0]
    (requirement,) = [Requirement(a) for a in requirement_args(argv)]
    pinned = {str(s.version) for s in requirement.specifier if s.operator == "=="}
    assert pinned == {ci_pin.group(1)}, f"image torch {requirement} != CI's torch=={ci_pin.group(1)}"
    torch_spec = next(Requirement(d) for d in PYPROJECT["project"]["dependencies"] if d.startswith("torch"))
    assert torch_spec.specifier.contains(Version(ci_pin.group(1)))
    index = argv[argv.index("--index-url") + 1]
    cuda_tag = re.fullmatch(r"https://download\.pytorch\.org/whl/(cu\d+)", index)
    assert cuda_tag, index
    major, minor = CUDA_IMAGE.match(dockerfile.resolve(dockerfile.stages[0].base)).groups()[:2]  # type: ignore
    assert cuda_tag.group(1) == f"cu{major}{minor}", "torch's CUDA build and the CUDA base image differ"


def test_project_installs_exactly_pyprojects_dependencies(dockerfile: Dockerfile) -> None:
    """`pip install .` after torch: pyproject's list as written, no extras, no editable, nothing else."""
    installs = pip_installs(dockerfile)
    project = [i for i, argv in enumerate(installs) if "." in requirement_args(argv)]
    assert len(project) == 1, installs
    torch_at = next(i for i, argv in enumerate(installs) if any(a.startswith("torch") for a in argv))
    assert torch_at < project[0], "torch must be installed first, or pip would pull PyPI's torch build"
    argv = installs[project[0]]
    assert requirement_args(argv) == ["."], argv
    assert not {"-e", "--editable", "--no-deps", "--index-url", "-i"} & set(argv), argv
    dependencies = {Requirement(d).name: Requirement(d) for d in PYPROJECT["project"]["dependencies"]}
    for argv in installs:
        for arg in requirement_args(argv):
            if arg == ".":
                continue
            requirement = Requirement(arg)
            assert requirement.name in dependencies, f"{arg} is not a pyproject dependency"
            for spec in requirement.specifier:
                assert dependencies[requirement.name].specifier.contains(Version(spec.version)), arg


def test_python_of_the_base_image_satisfies_requires_python(dockerfile: Dockerfile) -> None:
    base = dockerfile.resolve(dockerfile.stages[0].base)
    ubuntu = CUDA_IMAGE.match(base).group(5)  # type: ignore[union-attr]
    assert SpecifierSet(PYPROJECT["project"]["requires-python"]).contains(Version(UBUNTU_PYTHON[ubuntu]))


def test_every_copied_path_exists_and_is_in_the_build_context(dockerfile: Dockerfile) -> None:
    copied = []
    for stage in dockerfile.stages:
        for copy in stage.all("COPY") + stage.all("ADD"):
            if "from" in copy.flags():
                continue
            *sources, _ = [a for a in copy.args.split() if not a.startswith("--")]
            copied += sources
    assert copied
    for source in copied:
        path = REPO / source
        assert path.exists(), f"COPY {source}: not in the repository"
        assert not dockerignore_excludes(DOCKERIGNORE, source), f"COPY {source}: excluded by .dockerignore"
        if path.is_dir():
            for file in (f for f in path.rglob("*") if f.is_file() and "__pycache__" not in f.parts):
                assert not dockerignore_excludes(DOCKERIGNORE, str(file.relative_to(REPO))), file
    readme = PYPROJECT["project"]["readme"]
    assert readme in copied, f"pyproject's readme ({readme}) must be in the image or `pip install .` fails"
    for package in PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]:
        assert package.rstrip("*") in copied


def test_dockerignore_keeps_the_context_small() -> None:
    for path in (".venv/bin/python", ".git/HEAD", "tests/conftest.py", "bench/out/x.log", "k8s/base",
                 "pixelsvc/__pycache__/cli.cpython-312.pyc"):
        assert dockerignore_excludes(DOCKERIGNORE, path), path
    assert not dockerignore_excludes(DOCKERIGNORE, "pixelsvc/cli.py")


def test_build_runs_the_scripts_it_copies(dockerfile: Dockerfile) -> None:
    """Scripts run in the build exist, were copied in first, and write where the runtime stage reads."""
    build = dockerfile.stage("build")
    copied_so_far: set[str] = set()
    cache_dirs = []
    for instruction in build.instructions:
        if instruction.keyword == "COPY":
            copied_so_far.update(a.rstrip("/") for a in instruction.args.split()[:-1])
        if instruction.keyword != "RUN":
            continue
        for argv in shell_commands(instruction):
            for arg in argv:
                if re.fullmatch(r"[\w.-]+(/[\w.-]+)+\.py", arg):
                    assert (REPO / arg).is_file(), arg
                    assert arg.split("/")[0] in copied_so_far, f"{arg} is run before it is copied"
            if argv[:2] == ["python", "models/convert.py"]:
                cache_dirs.append(argv[argv.index("--cache-dir") + 1])
    assert len(cache_dirs) == 1
    runtime = dockerfile.stage("runtime")
    copied_from_build = {tuple(c.args.split()[-2:]) for c in runtime.all("COPY")}
    assert (cache_dirs[0], cache_dirs[0]) in copied_from_build
    env = " ".join(e.args for e in runtime.all("ENV"))
    assert f"PIXELSVC_CACHE_DIR={cache_dirs[0]}" in env
    build_text = " ".join(i.args for i in build.all("RUN"))
    for source, _ in copied_from_build:
        assert source in build_text, f"runtime copies {source}, which no build step creates"


def test_runtime_user_env_ports_and_entrypoint(dockerfile: Dockerfile) -> None:
    runtime = dockerfile.stage("runtime")
    (user,) = runtime.all("USER")
    uid, _, gid = user.args.partition(":")
    assert uid.isdigit() and int(uid) != 0 and (not gid or int(gid) != 0), user.args
    env_names = {name for e in runtime.all("ENV") for name in re.findall(r"(\w+)=", e.args)}
    unknown = {n for n in env_names if n.startswith("PIXELSVC_")} - config_variables()
    assert not unknown, f"not pixelsvc settings: {unknown}"
    assert "HOME=/tmp" in " ".join(e.args for e in runtime.all("ENV")), "HOME must be writable under a read-only root"
    exposed = {int(p.split("/")[0]) for e in runtime.all("EXPOSE") for p in e.args.split()}
    assert exposed == {ServiceConfig().port, ServiceConfig().metrics_port}
    (entrypoint,) = runtime.all("ENTRYPOINT")
    assert entrypoint.exec_form() == ["pixelsvc", "serve"]
    assert PYPROJECT["project"]["scripts"]["pixelsvc"] == "pixelsvc.cli:main"
    out = io.StringIO()
    with contextlib.redirect_stdout(out), pytest.raises(SystemExit) as done:
        cli_main(["serve", "--help"])
    assert done.value.code == 0 and "PIXELSVC_PORT" in out.getvalue()


def test_healthcheck_asks_the_grpc_health_service(dockerfile: Dockerfile) -> None:
    """HEALTHCHECK runs pixelsvc.service.probe (installed by `pip install .`), which asks for the server's
    service with a deadline inside the HEALTHCHECK timeout; tests/deploy/test_health_probe.py runs it."""
    from pixelsvc.service import probe
    from pixelsvc.service.server import SERVICE_NAME

    (check,) = dockerfile.stage("runtime").all("HEALTHCHECK")
    assert check.exec_form() == ["python", "-m", probe.__name__], check.args
    packages = PYPROJECT["tool"]["setuptools"]["packages"]["find"]["include"]
    assert any(fnmatch(probe.__package__, pattern) for pattern in packages), "the image would not install the probe"
    assert probe.SERVICE_NAME == SERVICE_NAME
    interval = int(check.flags()["interval"].rstrip("s"))
    timeout = int(check.flags()["timeout"].rstrip("s"))
    assert timeout < interval and int(check.flags()["start-period"].rstrip("s")) >= 60
    assert timeout > probe.TIMEOUT_SECONDS


def test_pixelsvc_variables_used_anywhere_exist() -> None:
    """PIXELSVC_* names in the Dockerfile and the manifests are real settings (a typo is silently ignored)."""
    texts = [DOCKERFILE.read_text()] + [p.read_text() for p in (REPO / "k8s").rglob("*") if p.is_file()]
    used = {name for text in texts for name in re.findall(r"\bPIXELSVC_[A-Z_]+\b", text)}
    assert used, "no settings found"
    assert not used - config_variables(), used - config_variables()


def test_every_dockerfile_path_outside_the_image_exists() -> None:
    """Repository paths named in comments (the test, the manifests) exist too: no stale references."""
    named = re.findall(r"(?<![\w/.])((?:tests|k8s|scripts|models|pixelsvc)/[\w./-]+\w)", DOCKERFILE.read_text())
    assert "models/convert.py" in named
    for path in named:
        assert (REPO / path).exists(), path


def test_baked_models_are_readable_and_used_without_conversion(dockerfile: Dockerfile, tmp_path: Path,
                                                                monkeypatch: pytest.MonkeyPatch) -> None:
    """Run the build stage's model steps (everything after `pip install .`) into a temporary folder: the
    files must be readable by the non-root runtime user, and loading must use them as they are (the
    runtime root filesystem is read-only, so a conversion there could not even save its result)."""
    from pixelsvc.ocr import weights
    from pixelsvc.ocr.zoo import MODELS

    (run,) = [r for r in dockerfile.stage("build").all("RUN") if "models/convert.py" in r.args]
    cache = "/opt/pixelsvc/models"
    steps = [argv for argv in shell_commands(run) if argv[:2] != ["pip", "install"]]
    assert steps and all(cache in argv for argv in steps), steps
    baked = tmp_path / "models"  # created by the steps, as in the image
    for argv in steps:
        argv = [sys.executable if a == "python" else a.replace(cache, str(baked)) for a in argv]
        subprocess.run(argv, cwd=REPO, check=True, capture_output=True, timeout=300)
    files = sorted(baked.rglob("*"))
    assert {f.name for f in files} == {f"{spec.sha256}.pt" for spec in MODELS.values()}
    for path in [baked, *files]:
        mode = path.stat().st_mode
        assert mode & stat.S_IROTH and (not path.is_dir() or mode & stat.S_IXOTH), f"{path}: {oct(mode)}"

    def no_conversion(*args: object) -> None:
        raise AssertionError("converted at load time although the cache was baked")

    monkeypatch.setattr(weights, "program_from_onnx", no_conversion)
    for spec in MODELS.values():
        assert weights.load_program(spec, baked).nodes
