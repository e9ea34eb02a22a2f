"""Fair queueing (issue 10.5): run() is entered first come, first served inside a worker (scoring_queue.py),
and with several workers a worker takes connections only while idle, sending `connection: close` while others
wait (fair_accept.py). How much that buys is measured in bench/scoring.py, not timed here."""

from __future__ import annotations

import asyncio
import http.client
import json
import socket
import threading

import pytest
import uvloop

from jupyter_deploy.runtime import fair_accept
from jupyter_deploy.runtime.fair_accept import FairAcceptor, accept_queue_length
from jupyter_deploy.runtime.scoring_queue import ScoringQueue

from test_process import services, start, write_script  # noqa: F401  (fixture)


def _run(coroutine):
    return uvloop.run(coroutine)


@pytest.mark.parametrize("batch_s", [0, 60])
def test_requests_enter_run_in_the_order_they_asked_for_their_turn(batch_s):
    queue = ScoringQueue(batch_s)
    entered = []

    async def request(number: int):
        await queue.turn()
        entered.append(number)
        await asyncio.sleep(0)  # give the others every chance to overtake
        queue.done()

    async def main():
        await asyncio.gather(*(request(n) for n in range(6)))

    _run(main())
    assert entered == list(range(6))
    assert not queue.busy


@pytest.mark.parametrize("batch_s, expected", [
    (0, ["socket read by the loop", "second request runs"]),  # after a run() longer than the batch window
    (60, ["second request runs", "socket read by the loop"]),  # a young batch: read in one poll, run back to back
], ids=["long-run-hands-on-after-a-poll", "young-batch-runs-back-to-back"])
def test_the_turn_passes_after_a_poll_unless_the_batch_is_young(batch_s, expected):
    """A request already scheduled when a long run() ends must not slip in before the loop reads its sockets."""
    queue = ScoringQueue(batch_s=batch_s)
    events = []

    async def second():
        await queue.turn()
        events.append("second request runs")
        queue.done()

    async def main():
        await queue.turn()
        task = asyncio.ensure_future(second())  # read in the same poll: its first step is already scheduled
        queue.done()
        asyncio.get_running_loop().call_soon(events.append, "socket read by the loop")  # what a poll would do
        await task
        await asyncio.sleep(0)

    _run(main())
    assert events == expected
    assert not queue.busy


def test_a_request_cancelled_while_waiting_is_skipped_and_one_cancelled_with_the_turn_passes_it_on():
    queue = ScoringQueue(batch_s=0)
    entered = []

    async def request(number: int):
        await queue.turn()
        entered.append(number)
        queue.done()

    async def main():
        await queue.turn()  # hold the turn
        waiting = [asyncio.ensure_future(request(n)) for n in range(3)]
        await asyncio.sleep(0)
        waiting[0].cancel()
        queue.done()
        await asyncio.sleep(0)  # the hand-on gives the turn to request 1 (0 was cancelled) ...
        waiting[1].cancel()  # ... which is cancelled before it resumes: it must pass the turn to 2
        await asyncio.gather(*waiting, return_exceptions=True)
        await asyncio.sleep(0)

    _run(main())
    assert entered == [2]
    assert not queue.busy


def test_a_waiting_request_whose_client_left_does_not_run_and_passes_the_turn_on():
    queue = ScoringQueue(batch_s=0)
    ran = []

    async def request(number: int, gone: bool):
        if await queue.turn(lambda: gone):
            ran.append(number)
            await asyncio.sleep(0)
            queue.done()

    async def main():
        await asyncio.gather(request(0, True), request(1, True), request(2, False))

    _run(main())
    assert ran == [0, 2]  # the first never waited, so it runs whatever; the second left while waiting
    assert not queue.busy


def test_idle_is_announced_and_a_new_event_loop_starts_with_a_free_queue():
    queue = ScoringQueue()
    idle = []
    queue.on_idle = lambda: idle.append(True)

    async def hold_and_leave_the_hand_on_unrun():
        await queue.turn()
        queue.done()

    loop = asyncio.new_event_loop()
    loop.run_until_complete(hold_and_leave_the_hand_on_unrun())
    loop.close()  # the hand-on callback never ran: the queue still looks busy to that loop

    async def again():
        await asyncio.wait_for(queue.turn(), 1)
        queue.done()
        await asyncio.sleep(0)

    _run(again())
    assert idle and not queue.busy


class _Protocol(asyncio.Protocol):
    made: list = []

    def connection_made(self, transport):
        self.made.append(transport)


def _listener() -> socket.socket:
    """A non-blocking listening socket on a free loopback port, as the supervisor shares with its workers."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.setblocking(False)
    return listener


def test_the_acceptor_leaves_connections_in_the_kernel_queue_while_busy_and_takes_them_when_idle():
    listener = _listener()
    queue = ScoringQueue()
    _Protocol.made = []

    async def main():
        await queue.turn()  # busy, as while run() executes
        acceptor = FairAcceptor(listener, _Protocol, queue, stopping=lambda: False)
        acceptor.start()
        client = socket.create_connection(listener.getsockname())
        for _ in range(20):
            await asyncio.sleep(0.01)
        held_by_kernel = accept_queue_length(listener), len(_Protocol.made)
        queue.done()  # idle: the acceptor watches the socket again
        for _ in range(50):
            await asyncio.sleep(0.01)
            if _Protocol.made:
                break
        taken = accept_queue_length(listener), len(_Protocol.made)
        for transport in _Protocol.made:
            transport.close()
        acceptor.close()
        client.close()
        return held_by_kernel, taken

    try:
        held_by_kernel, taken = _run(main())
    finally:
        listener.close()
    assert held_by_kernel == (1, 0)
    assert taken == (0, 1)


def test_an_idle_worker_takes_one_connection_and_no_other_until_its_request_has_run(monkeypatch):
    monkeypatch.setattr(fair_accept, "CLAIM_S", 0.3)
    listener = _listener()
    queue = ScoringQueue()
    _Protocol.made = []

    async def settle(condition=lambda: False, steps=10):
        for _ in range(steps):
            await asyncio.sleep(0.01)
            if condition():
                return

    async def main():
        acceptor = FairAcceptor(listener, _Protocol, queue, stopping=lambda: False)
        acceptor.start()
        clients = [socket.create_connection(listener.getsockname()) for _ in range(3)]
        await settle()
        after_accept = len(_Protocol.made), accept_queue_length(listener)
        await queue.turn()  # the first connection's request runs...
        queue.done()  # ...and ends: the queue is idle, the next connection may come in
        await settle(lambda: len(_Protocol.made) == 2)
        after_run = len(_Protocol.made), accept_queue_length(listener)
        await settle(lambda: len(_Protocol.made) == 3, steps=60)  # a connection that sends nothing: the claim lapses
        after_claim = len(_Protocol.made), accept_queue_length(listener)
        for transport in _Protocol.made:
            transport.close()
        acceptor.close()
        for client in clients:
            client.close()
        return after_accept, after_run, after_claim

    try:
        after_accept, after_run, after_claim = _run(main())
    finally:
        listener.close()
    assert after_accept == (1, 2)
    assert after_run == (2, 1)
    assert after_claim == (3, 0)


def test_two_workers_share_a_crowd_of_keep_alive_clients_and_close_connections_while_others_wait(tmp_path, services):
    write_script(tmp_path, """
        import os, time

        def init():
            pass

        def run(data):
            time.sleep(0.05)  # holds the worker's loop, as a CPU-bound model does
            return {"pid": os.getpid()}
    """)
    service = start(tmp_path, env={"WORKER_COUNT": "2"})
    services.append(service)
    service.wait_until(lambda ready: ready.get("workers", {}).get("ready") == 2)
    answers, errors = [], []

    def client():
        connection = http.client.HTTPConnection("127.0.0.1", service.port, timeout=30)
        try:
            for _ in range(6):
                connection.request("POST", "/score", body=b"{}", headers={"Content-Type": "application/json"})
                response = connection.getresponse()
                answers.append((response.status, json.loads(response.read())["pid"], response.getheader("connection")))
                if response.getheader("connection") == "close":
                    connection.close()
                    connection = http.client.HTTPConnection("127.0.0.1", service.port, timeout=30)
        except Exception as error:  # noqa: BLE001 - reported below
            errors.append(repr(error))
        finally:
            connection.close()

    threads = [threading.Thread(target=client) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert errors == []
    assert len(answers) == 36 and {status for status, _, _ in answers} == {200}
    assert len({pid for _, pid, _ in answers}) == 2  # both workers served
    assert any(connection == "close" for _, _, connection in answers)  # sent back to the shared line


@pytest.mark.parametrize("workers", ["1", "2"])
def test_a_lone_client_keeps_its_connection(tmp_path, services, workers):
    write_script(tmp_path, """
        def init():
            pass

        def run(data):
            return {"ok": True}
    """)
    service = start(tmp_path, env={"WORKER_COUNT": workers})
    services.append(service)
    service.wait_until(lambda ready: ready.get("workers", {}).get("ready") == int(workers))
    connection = http.client.HTTPConnection("127.0.0.1", service.port, timeout=10)
    try:
        for _ in range(20):
            connection.request("POST", "/score", body=b"{}", headers={"Content-Type": "application/json"})
            response = connection.getresponse()
            assert (response.status, response.read(), response.getheader("connection")) == (200, b'{"ok": true}', None)
    finally:
        connection.close()


def test_a_request_whose_client_closed_while_it_waited_is_not_scored(tmp_path, services):
    """Azure's server scores every request it has read, even for clients that gave up; ours drops them."""
    calls = tmp_path / "calls.txt"
    write_script(tmp_path / "app", f"""
        import json, time

        def init():
            pass

        def run(data):
            with open({str(calls)!r}, "a") as log:
                log.write(json.loads(data)["who"] + "\\n")
            time.sleep(0.5)  # holds the loop while the others queue
            return {{"ok": True}}
    """)
    service = start(tmp_path / "app", env={"WORKER_COUNT": "1"})
    services.append(service)
    service.wait_until(lambda ready: ready.get("workers", {}).get("ready") == 1)

    def connect() -> socket.socket:
        client = socket.create_connection(("127.0.0.1", service.port), timeout=10)
        client.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        assert client.recv(4096).startswith(b"HTTP/1.1 200")
        return client

    def send(client: socket.socket, who: str) -> None:
        body = json.dumps({"who": who}).encode()
        client.sendall(b"POST /score HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
                       b"Content-Length: %d\r\n\r\n%s" % (len(body), body))

    # Keep-alive connections, already accepted (as a load generator's are): a new connection is accepted
    # per loop iteration, which would let each request find the queue free.
    first, second, gone, last = (connect() for _ in range(4))
    send(first, "first")
    _wait_for(lambda: calls.exists() and "first" in calls.read_text())
    # Read together when "first" ends: "second" runs next, the other two wait in the queue behind it.
    for client, who in ((second, "second"), (gone, "gone"), (last, "last")):
        send(client, who)
    _wait_for(lambda: "second" in calls.read_text())
    gone.close()  # leaves while it waits
    for client in (first, second, last):
        assert client.recv(4096).startswith(b"HTTP/1.1 200")
        client.close()
    assert calls.read_text().split() == ["first", "second", "last"]


def _wait_for(condition, timeout: float = 10) -> None:
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.01)
