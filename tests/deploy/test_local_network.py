"""Which network a local service gets (issue 11.4): the host's where the engine shares ours, else its own bridge."""

from __future__ import annotations

import socket

import pytest

from jupyter_deploy.deploy.targets.local.network import BRIDGE, ENV_NETWORK, HOST, choose_network
from jupyter_deploy.errors import InvalidSetting


class Engine:
    def __init__(self, **info):
        self._info = {"OSType": "linux", "OperatingSystem": "Debian GNU/Linux 12 (bookworm)",
                      "SecurityOptions": ["name=seccomp,profile=default"], "Name": socket.gethostname(), **info}

    def info(self):
        return self._info


class DeadEngine:
    def info(self):
        raise ConnectionError("no engine")


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    monkeypatch.delenv(ENV_NETWORK, raising=False)
    monkeypatch.delenv("DOCKER_HOST", raising=False)


def test_a_local_linux_engine_puts_services_on_the_host_network():
    assert choose_network(Engine()) == HOST


def test_a_local_socket_given_in_docker_host_is_still_local(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "unix:///run/other/docker.sock")
    assert choose_network(Engine()) == HOST


@pytest.mark.parametrize("engine", [
    Engine(OperatingSystem="Docker Desktop"),  # the engine runs in a VM: its 127.0.0.1 is not ours
    Engine(SecurityOptions=["name=seccomp,profile=default", "name=rootless"]),  # rootlesskit's own namespace
    Engine(Name="another-machine"),  # e.g. a notebook in a container talking to the host's engine
    Engine(OSType="windows"),
    DeadEngine(),
], ids=["docker-desktop", "rootless", "other-host", "windows", "unreachable"])
def test_engines_whose_host_network_is_not_ours_keep_a_bridge(engine):
    assert choose_network(engine) == BRIDGE


def test_a_remote_engine_keeps_a_bridge(monkeypatch):
    monkeypatch.setenv("DOCKER_HOST", "tcp://10.0.0.5:2376")
    assert choose_network(Engine()) == BRIDGE


@pytest.mark.parametrize("setting, expected", [("bridge", BRIDGE), ("HOST", HOST), (" auto ", HOST), ("", HOST)])
def test_the_setting_decides_when_given(monkeypatch, setting, expected):
    monkeypatch.setenv(ENV_NETWORK, setting)
    assert choose_network(Engine()) == expected


def test_a_setting_that_is_not_a_choice_is_one_sentence(monkeypatch):
    monkeypatch.setenv(ENV_NETWORK, "macvlan")
    with pytest.raises(InvalidSetting) as raised:
        choose_network(Engine())
    assert str(raised.value) == ("JUPYTER_DEPLOY_NETWORK='macvlan' is not one of auto, host, bridge; "
                                 "unset it to let jupyter-deploy choose.")
