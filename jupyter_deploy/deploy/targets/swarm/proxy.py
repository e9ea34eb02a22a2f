"""The swarm gateway: a tiny TCP proxy shipped (as this one file) into the gateway container. Stdlib only.

Why it exists: this machine's kernel has no IPVS, so the swarm routing mesh (ingress) cannot route here. The
replicas therefore run with `endpoint_mode=dnsrr` on an overlay network, and this proxy, attached to that
network and published on 127.0.0.1 only, spreads connections over the addresses the swarm's DNS gives for the
service name (re-resolved every half second, so replicas that come and go during a rolling update are followed).
A connection that cannot reach one replica is tried on the next one, so a replica stopping never shows.
"""

import asyncio
import itertools
import os
import socket
import time

BACKEND = os.environ.get("BACKEND_HOST", "backend")
BACKEND_PORT = int(os.environ.get("BACKEND_PORT", "5001"))
LISTEN_PORT = int(os.environ.get("LISTEN_PORT", "8080"))
RESOLVE_EVERY_S = 0.5


class Backends:
    def __init__(self):
        self.addresses = []
        self.resolved_at = 0.0
        self.counter = itertools.count()

    async def pick(self, force=False):
        now = time.monotonic()
        if force or now - self.resolved_at > RESOLVE_EVERY_S or not self.addresses:
            try:
                infos = await asyncio.get_running_loop().getaddrinfo(BACKEND, BACKEND_PORT, type=socket.SOCK_STREAM)
                self.addresses = sorted({info[4][0] for info in infos})
            except OSError:
                self.addresses = []
            self.resolved_at = now
        if not self.addresses:
            return None
        return self.addresses[next(self.counter) % len(self.addresses)]


BACKENDS = Backends()


async def pipe(reader, writer):
    try:
        while True:
            data = await reader.read(65536)
            if not data:
                break
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        try:
            writer.close()
        except Exception:
            pass


async def handle(client_reader, client_writer):
    upstream = None
    for attempt in range(20):  # up to ~4 s: a rolling update never leaves zero replicas, but DNS may lag
        address = await BACKENDS.pick(force=attempt > 0)
        if address is not None:
            try:
                upstream = await asyncio.wait_for(asyncio.open_connection(address, BACKEND_PORT), 2)
                break
            except (OSError, asyncio.TimeoutError):
                pass
        await asyncio.sleep(0.2)
    if upstream is None:
        client_writer.close()
        return
    up_reader, up_writer = upstream
    for stream in (client_writer, up_writer):
        sock = stream.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    await asyncio.gather(pipe(client_reader, up_writer), pipe(up_reader, client_writer))


async def main():
    server = await asyncio.start_server(handle, "0.0.0.0", LISTEN_PORT, backlog=1024)
    print(f"gateway listening on :{LISTEN_PORT} for {BACKEND}:{BACKEND_PORT}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
