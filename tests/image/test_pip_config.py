"""uv does not read pip's configuration: every setting the host's pip has must reach uv explicitly."""

import subprocess
import sys

from jupyter_deploy.image.pip_config import host_pip_config, parse_pip_config
from jupyter_deploy.image.resolved import uv_command, uv_pip_command

PIP_CONFIG_LIST = """\
:env:.cert='/etc/ssl/certs/bundle.crt'
:env:.find-links='/opt/wheels'
global.constraint='/etc/xdg/pip/constraints.txt'
global.extra-index-url='file:///opt/pypi/simple file:///opt/pypi-more/simple'
global.find-links='/opt/other'
global.index-url='https://mirror.example/simple'
"""


def test_every_pip_setting_becomes_a_uv_option():
    config = parse_pip_config(PIP_CONFIG_LIST)
    assert config.cert == "/etc/ssl/certs/bundle.crt"
    assert config.find_links == ["/opt/wheels"]  # the environment variable wins over the file, as in pip
    args = config.uv_arguments()
    assert args[args.index("--index-url") + 1] == "https://mirror.example/simple"
    assert [args[i + 1] for i, a in enumerate(args) if a == "--extra-index-url"] == [
        "file:///opt/pypi/simple", "file:///opt/pypi-more/simple"]
    assert args[args.index("--find-links") + 1] == "/opt/wheels"
    assert args[args.index("--constraint") + 1] == "/etc/xdg/pip/constraints.txt"
    assert args[args.index("--index-strategy") + 1] == "unsafe-best-match"
    assert config.uv_environment()["SSL_CERT_FILE"] == "/etc/ssl/certs/bundle.crt"


def test_the_host_configuration_is_what_pip_itself_reports(monkeypatch):
    monkeypatch.setenv("PIP_FIND_LINKS", "/tmp/somewhere-else")
    reported = subprocess.run([sys.executable, "-m", "pip", "config", "list"], capture_output=True, text=True).stdout
    config = host_pip_config()
    assert config.find_links == ["/tmp/somewhere-else"]
    assert config == parse_pip_config(reported) or config.cert  # cert may come from REQUESTS_CA_BUNDLE
    command, env = uv_pip_command(uv_command() or ["uv"], "compile", "r.txt")
    assert command[command.index("--find-links") + 1] == "/tmp/somewhere-else"
    if config.cert:
        assert env["SSL_CERT_FILE"] == config.cert
