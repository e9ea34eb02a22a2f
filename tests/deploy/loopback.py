"""What "reachable from this machine only" means for a local service, on either network it may be given."""

from __future__ import annotations

import socket


def machine_address():
    """This machine's own non-loopback IPv4 address (no packet is sent), or None without one."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))  # TEST-NET-1: only picks the outgoing interface
        except OSError:
            return None
        address = probe.getsockname()[0]
    return None if address.startswith("127.") else address


def assert_loopback_only(container, port: int) -> None:
    """Answered on 127.0.0.1:port, refused on the machine's other address; bound or published on loopback."""
    host = container.attrs["HostConfig"]
    if host["NetworkMode"] == "host":
        assert "SERVER_HOST=127.0.0.1" in container.attrs["Config"]["Env"]
    else:
        bindings = container.attrs["NetworkSettings"]["Ports"]["5001/tcp"] or host["PortBindings"]["5001/tcp"]
        assert bindings and all(binding["HostIp"] == "127.0.0.1" for binding in bindings)
    with socket.create_connection(("127.0.0.1", port), timeout=5):
        pass
    address = machine_address()
    if address is not None:
        with socket.socket() as outside:
            outside.settimeout(2)
            assert outside.connect_ex((address, port)) != 0, f"port {port} answers on {address}"
