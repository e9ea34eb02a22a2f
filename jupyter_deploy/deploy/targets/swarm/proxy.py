"""The swarm gateway: a tiny TCP proxy shipped (as this one file) into the gateway container. Stdlib only.

Why it exists: this machine's kernel has no IPVS, so the swarm routing mesh (ingress) cannot route here. The
replicas therefore run with `endpoint_mode=dnsrr` on an overlay network, and this proxy, attached to that
network and published on 127.0.0.1 only, spreads connections over the addresses the swarm's DNS gives for the
service name (re-resolved every half second, so replicas that come and go during a rolling update are followed).
A connection that cannot reach one replica is tried on the next one, and a request a stopping replica closed
without answering is replayed to the next one, so a replica stopping does not show.
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


REPLAY_LIMIT = 1 << 20  # bytes of a request kept for a retry


async def connect():
    for attempt in range(20):  # up to ~4 s: a rolling update never leaves zero replicas, but DNS may lag
        address = await BACKENDS.pick(force=attempt > 0)
        if address is not None:
            try:
                reader, writer = await asyncio.wait_for(asyncio.open_connection(address, BACKEND_PORT), 2)
                sock = writer.get_extra_info("socket")
                if sock is not None:
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                return reader, writer
            except (OSError, asyncio.TimeoutError):
                pass
        await asyncio.sleep(0.2)
    return None


async def handle(client_reader, client_writer):
    """Pipe one client connection to a replica. Until the replica sends its first byte, what the client sent is
    kept (up to REPLAY_LIMIT); a replica that closes without answering at all (it was stopping) gets the same
    bytes replayed to the next one — HAProxy's `retry-on empty-response`, nothing was answered twice."""
    sock = client_writer.get_extra_info("socket")
    if sock is not None:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    replay = bytearray()
    state = {"answered": False, "client_done": False}

    async def client_to(up_writer):
        try:
            while True:
                data = await client_reader.read(65536)
                if not data:
                    state["client_done"] = True
                    if up_writer.can_write_eof():
                        up_writer.write_eof()
                    return
                if not state["answered"]:
                    replay.extend(data)
                up_writer.write(data)
                await up_writer.drain()
        except (ConnectionError, OSError):
            return

    for attempt in range(3):
        upstream = await connect()
        if upstream is None:
            break
        up_reader, up_writer = upstream
        if replay:
            up_writer.write(bytes(replay))
            if state["client_done"] and up_writer.can_write_eof():
                up_writer.write_eof()
        sender = None if state["client_done"] else asyncio.ensure_future(client_to(up_writer))
        try:
            first = await up_reader.read(65536)
        except (ConnectionError, OSError):
            first = b""
        if not first and len(replay) <= REPLAY_LIMIT and (replay or state["client_done"]) and attempt < 2:
            if sender is not None:
                sender.cancel()
            up_writer.close()
            continue  # the replica closed without a byte of answer: try the next one
        state["answered"] = True
        if first:
            client_writer.write(first)
            try:
                await client_writer.drain()
            except (ConnectionError, OSError):
                pass
        waiters = [pipe(up_reader, client_writer)]
        if sender is not None:
            waiters.append(sender)
        await asyncio.gather(*waiters)
        up_writer.close()
        return
    client_writer.close()


async def main():
    server = await asyncio.start_server(handle, "0.0.0.0", LISTEN_PORT, backlog=1024)
    print(f"gateway listening on :{LISTEN_PORT} for {BACKEND}:{BACKEND_PORT}", flush=True)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    asyncio.run(main())
