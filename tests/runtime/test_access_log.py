"""Access lines (runtime/log.py): one per request up to the budget a second, the rest summed up in one line."""

from __future__ import annotations

import pytest

from jupyter_deploy.runtime import log


class Out:
    def __init__(self, capsys):
        self.capsys, self.text = capsys, ""

    def getvalue(self):
        self.text += self.capsys.readouterr().out
        return self.text


@pytest.fixture
def stdout(monkeypatch, capsys):
    monkeypatch.setattr(log, "_window_second", -1)
    monkeypatch.setattr(log, "_window_lines", 0)
    monkeypatch.setattr(log, "_window_skipped", {})
    yield Out(capsys)
    log.set_access_budget(log.DEFAULT_ACCESS_LINES_PER_S)


def test_requests_over_the_budget_are_summed_up_once_their_second_is_over(stdout, monkeypatch):
    clock = [1_000_000.25]
    monkeypatch.setattr(log.time, "time", lambda: clock[0])
    log.set_access_budget(3)
    for status in (200, 200, 500, 200, 200, 500):
        log.access("POST", "/score", b"", status, 0.1, 2)
    lines = stdout.getvalue().splitlines()
    assert [line.split(" - ", 1)[1] for line in lines] == ["POST /score 200 0.100ms 2", "POST /score 200 0.100ms 2",
                                                         "POST /score 500 0.100ms 2"]
    clock[0] += 1  # the next second: its first request closes the last window
    log.access("POST", "/score", b"q=1", 200, 0.2, 2)
    lines = stdout.getvalue().splitlines()[3:]
    assert lines[0].endswith("3 more requests in the second from 13:46:40 not logged one by one "
                             "(over 3 lines a second): POST /score 200: 2, POST /score 500: 1")
    assert lines[1].endswith("POST /score?q=1 200 0.200ms 2")


def test_the_last_summary_is_written_when_traffic_stops(stdout, monkeypatch):
    clock = [2_000_000.5]
    monkeypatch.setattr(log.time, "time", lambda: clock[0])
    log.set_access_budget(1)
    log.access("POST", "/score", b"", 200, 0.1, 2)
    log.access("POST", "/score", b"", 200, 0.1, 2)
    log.flush()  # same second: nothing to sum up yet
    assert len(stdout.getvalue().splitlines()) == 1
    clock[0] += 2
    log.flush()  # the server's housekeeping flushes a few times a second
    assert "1 more requests in the second from" in stdout.getvalue().splitlines()[-1]
