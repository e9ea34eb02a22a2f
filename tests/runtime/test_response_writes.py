"""One write per response (runtime/response_writes.py): the head waits for the body, nothing is lost or reordered."""

from __future__ import annotations

from jupyter_deploy.runtime.response_writes import CoalescingTransport


class RecordingTransport:
    def __init__(self):
        self.writes, self.closed, self.aborted = [], False, False

    def write(self, data):
        self.writes.append(data)

    def close(self):
        self.closed = True

    def abort(self):
        self.aborted = True

    def is_closing(self):
        return self.closed

    def get_extra_info(self, name, default=None):
        return ("127.0.0.1", 5001) if name == "sockname" else default


HEAD = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\n"


def test_head_and_body_go_out_in_one_write():
    real = RecordingTransport()
    transport = CoalescingTransport(real)
    transport.expect_head = True
    transport.write(HEAD)
    assert real.writes == []
    transport.write(b"{}")
    assert real.writes == [HEAD + b"{}"]
    transport.write(b"more")  # nothing held any more: written as it comes
    assert real.writes[-1] == b"more"


def test_a_head_without_body_is_flushed_when_the_response_completes_or_the_connection_closes():
    real = RecordingTransport()
    transport = CoalescingTransport(real)
    transport.expect_head = True
    transport.write(HEAD)
    transport.flush()
    assert real.writes == [HEAD]
    transport.expect_head = True
    transport.write(HEAD)
    transport.close()
    assert real.writes == [HEAD, HEAD] and real.closed


def test_interim_continue_and_writes_outside_a_response_are_not_held():
    real = RecordingTransport()
    transport = CoalescingTransport(real)
    transport.write(b"HTTP/1.1 408 Request Timeout\r\n\r\n")  # no request in progress: straight through
    transport.expect_head = True
    transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
    assert real.writes[-1] == b"HTTP/1.1 100 Continue\r\n\r\n"
    transport.write(HEAD)  # the real head, still expected after the interim answer
    transport.write(b"{}")
    assert real.writes[-1] == HEAD + b"{}"


def test_abort_drops_what_is_held_and_other_attributes_come_from_the_transport():
    real = RecordingTransport()
    transport = CoalescingTransport(real)
    transport.expect_head = True
    transport.write(HEAD)
    assert transport.get_extra_info("sockname") == ("127.0.0.1", 5001)
    transport.abort()
    assert real.aborted and real.writes == []
