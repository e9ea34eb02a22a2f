"""The host's pip configuration, read once, and handed explicitly to uv (which does not read pip's files).

Containers reach packages only through what the host's pip is configured with: index URLs, find-links,
constraints and a certificate bundle (here an intercepting proxy's). `pip config list` reports the merged
configuration files *and* the `PIP_*` environment variables, so it is the one source; a test checks that every
setting reaches uv's command line or environment.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from dataclasses import dataclass, field
from typing import Optional

_LINE = re.compile(r"^(?P<scope>[^.]*)\.(?P<key>[A-Za-z0-9_-]+)='(?P<value>.*)'$")
# The sections that apply to `pip install` / `pip wheel`, weakest first (later ones win).
_SECTIONS = ("global", ":env:", "install", "wheel")


@dataclass
class PipConfig:
    index_url: Optional[str] = None
    extra_index_urls: list[str] = field(default_factory=list)
    find_links: list[str] = field(default_factory=list)
    constraints: list[str] = field(default_factory=list)
    cert: Optional[str] = None
    no_index: bool = False

    def uv_arguments(self) -> list[str]:
        """uv pip options with the same meaning. pip merges every index into one candidate set; uv's
        `unsafe-best-match` is that behaviour (its default stops at the first index that has the name)."""
        args: list[str] = []
        if self.no_index:
            args.append("--no-index")
        if self.index_url:
            args += ["--index-url", self.index_url]
        for url in self.extra_index_urls:
            args += ["--extra-index-url", url]
        for link in self.find_links:
            args += ["--find-links", link]
        for constraint in self.constraints:
            args += ["--constraint", constraint]
        return args + ["--index-strategy", "unsafe-best-match"]

    def uv_environment(self) -> dict[str, str]:
        """The certificate bundle (uv reads SSL_CERT_FILE), and no uv configuration file of the user's in between."""
        env = {"UV_NO_CONFIG": "1"}
        if self.cert:
            env["SSL_CERT_FILE"] = self.cert
        return env


def parse_pip_config(text: str) -> PipConfig:
    """`pip config list` output (`global.find-links='/opt/wheels'`, `:env:.cert='…'`) → PipConfig."""
    values: dict[str, dict[str, str]] = {}
    for line in text.splitlines():
        match = _LINE.match(line.strip())
        if match:
            values.setdefault(match.group("key").replace("_", "-"), {})[match.group("scope")] = match.group("value")

    def setting(key: str) -> Optional[str]:
        scopes = values.get(key, {})
        chosen = None
        for section in _SECTIONS:
            if section in scopes:
                chosen = scopes[section]
        return chosen

    def listed(key: str) -> list[str]:
        value = setting(key)
        return value.split() if value else []

    return PipConfig(
        index_url=setting("index-url"),
        extra_index_urls=listed("extra-index-url"),
        find_links=listed("find-links"),
        constraints=listed("constraint"),
        cert=setting("cert"),
        no_index=(setting("no-index") or "").lower() in ("1", "true", "yes", "on"),
    )


def host_pip_config() -> PipConfig:
    completed = subprocess.run([sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True,
                               env=dict(os.environ))
    config = parse_pip_config(completed.stdout)
    config.cert = config.cert or os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("SSL_CERT_FILE")
    return config
