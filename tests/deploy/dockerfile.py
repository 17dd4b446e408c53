"""A small Dockerfile and .dockerignore reader, for checking Dockerfile.gpu without a Docker daemon."""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from pathlib import Path

__all__ = ["Instruction", "Stage", "dockerignore_excludes", "healthcheck_command", "parse_dockerfile"]


@dataclass
class Instruction:
    keyword: str
    args: str
    line: int

    def exec_form(self) -> list[str] | None:
        """The JSON-array form of CMD/ENTRYPOINT/RUN/HEALTHCHECK CMD arguments, or None for shell form."""
        text = self.args
        if self.keyword == "HEALTHCHECK":
            text = re.sub(r"^(--\S+\s+)*CMD\s+", "", text)
        try:
            value = json.loads(text)
        except json.JSONDecodeError:
            return None
        return value if isinstance(value, list) else None

    def flags(self) -> dict[str, str]:
        """Leading --name=value flags (COPY --from=build, HEALTHCHECK --interval=15s)."""
        return dict(re.findall(r"--([\w-]+)=(\S+)", self.args.split(" CMD ")[0]))


@dataclass
class Stage:
    base: str
    name: str | None
    instructions: list[Instruction] = field(default_factory=list)

    def all(self, keyword: str) -> list[Instruction]:
        return [i for i in self.instructions if i.keyword == keyword]


@dataclass
class Dockerfile:
    args: dict[str, str]
    """Global ARGs (before the first FROM) and their defaults."""
    stages: list[Stage]
    pragmas: list[str]
    """Comments like ``# hadolint ignore=DL3008``."""

    def resolve(self, text: str) -> str:
        return re.sub(r"\$\{?(\w+)\}?", lambda m: self.args.get(m.group(1), m.group(0)), text)

    def stage(self, name: str) -> Stage:
        return next(s for s in self.stages if s.name == name)


def parse_dockerfile(path: Path) -> Dockerfile:
    """Instructions by stage, continuation lines joined, comments dropped (pragmas kept apart)."""
    args: dict[str, str] = {}
    stages: list[Stage] = []
    pragmas: list[str] = []
    pending = ""
    start = 0
    for number, raw in enumerate(path.read_text().splitlines(), 1):
        line = raw.strip()
        if line.startswith("#"):
            if "hadolint" in line:
                pragmas.append(line)
            continue
        if not line and not pending:
            continue
        if not pending:
            start = number
        if line.endswith("\\"):
            pending += line[:-1] + " "
            continue
        text = (pending + line).strip()
        pending = ""
        keyword, _, rest = text.partition(" ")
        instruction = Instruction(keyword.upper(), " ".join(rest.split()) if keyword.upper() != "HEALTHCHECK"
                                  else rest.strip(), start)
        if instruction.keyword == "FROM":
            parts = instruction.args.split()
            stages.append(Stage(parts[0], parts[2] if len(parts) > 2 and parts[1].upper() == "AS" else None))
        elif instruction.keyword == "ARG" and not stages:
            name, _, default = instruction.args.partition("=")
            args[name] = default
        elif stages:
            stages[-1].instructions.append(instruction)
    return Dockerfile(args, stages, pragmas)


def healthcheck_command(path: Path) -> list[str]:
    """The argv the runtime stage's HEALTHCHECK runs (exec form; shell form is an error)."""
    (check,) = parse_dockerfile(path).stage("runtime").all("HEALTHCHECK")
    argv = check.exec_form()
    if argv is None:
        raise ValueError(f"HEALTHCHECK CMD is not in exec form: {check.args}")
    return argv


def shell_commands(run: Instruction) -> list[list[str]]:
    """The simple commands of a shell-form RUN, split on && and ;, each as argv."""
    commands = []
    for part in re.split(r"&&|;|\|\|", run.args):
        argv = shlex.split(part)
        if argv:
            commands.append(argv)
    return commands


# --- .dockerignore ---------------------------------------------------------------------------------


def _pattern_regex(pattern: str) -> re.Pattern[str]:
    """A .dockerignore pattern (Go filepath.Match plus ``**``) as a regex over slash-separated paths."""
    out = ""
    i = 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out += "(?:.*/)?"
            i += 3
        elif pattern.startswith("**", i):
            out += ".*"
            i += 2
        elif pattern[i] == "*":
            out += "[^/]*"
            i += 1
        elif pattern[i] == "?":
            out += "[^/]"
            i += 1
        else:
            out += re.escape(pattern[i])
            i += 1
    return re.compile(out + r"\Z")


def dockerignore_excludes(dockerignore: Path, path: str) -> bool:
    """Whether Docker leaves `path` (relative, slash-separated) out of the build context.

    Rules apply in order and the last one matching wins; a rule matching a parent folder applies to
    everything below it, and ``!rule`` re-includes.
    """
    rules = []
    for raw in dockerignore.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        negate = line.startswith("!")
        pattern = line[1:].strip() if negate else line
        rules.append((negate, _pattern_regex(pattern.strip("/"))))
    parts = path.strip("/").split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    excluded = False
    for negate, regex in rules:
        if any(regex.match(p) for p in prefixes):
            excluded = not negate
    return excluded
