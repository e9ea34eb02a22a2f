"""The server freezes the heap after each load (runtime/heap.py); in-kernel lifecycles do not."""

from __future__ import annotations

import gc
import textwrap

from jupyter_deploy.runtime.heap import freeze_loaded_heap
from jupyter_deploy.runtime.lifecycle import ScriptLifecycle
from jupyter_deploy.runtime.settings import load_settings


def test_freezing_moves_the_live_heap_out_of_the_collector_s_reach_and_a_reload_unfreezes_first():
    try:
        freeze_loaded_heap()
        frozen = gc.get_freeze_count()
        assert frozen > 1000  # everything alive, interpreter and test suite included
        assert gc.get_count()[2] == 0
        freeze_loaded_heap()  # again (a reload): not frozen twice over
        assert abs(gc.get_freeze_count() - frozen) < frozen // 2
    finally:
        gc.unfreeze()


def test_the_hook_runs_after_every_load_that_took_effect_and_only_when_set(tmp_path):
    (tmp_path / "score.py").write_text(textwrap.dedent("""
        def init():
            pass

        def run(data):
            return data
    """))
    settings = load_settings({}, app_root=str(tmp_path), entry_script="score.py")
    kernel_side = ScriptLifecycle(settings)
    kernel_side.load_blocking()  # the in-kernel dry run: no hook, nothing frozen
    assert kernel_side.after_load is None and gc.get_freeze_count() == 0
    server_side = ScriptLifecycle(settings)
    calls = []
    server_side.after_load = lambda: calls.append(server_side.generation)
    server_side.load_blocking()
    server_side.load_blocking()
    assert calls == [1, 2]
