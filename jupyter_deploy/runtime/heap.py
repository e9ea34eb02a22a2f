"""Keep Python's full garbage collections short in a server process: freeze what init() loaded.

A loaded model is hundreds of thousands of long-lived Python objects (the keras + gensim sample: ~470 000).
CPython's oldest-generation collection walks all of them; it runs every so often as requests allocate, and then
it pauses run() for the whole walk: measured 237 ms in the middle of a 55 ms run() on the sentiment sample at 8
clients, the worst request of the run and the reason our p99 trailed Azure's. After each load the server
collects once and then `gc.freeze()`s everything alive: frozen objects are never walked again, so later
collections see only what requests allocate (the CPython API added for pre-fork servers such as Instagram's).

Only in the scoring server's own process — never in a notebook kernel (the in-kernel dry run), where freezing
would keep the user's cyclic garbage forever. A reload unfreezes first, so the replaced script's objects can be
collected, then freezes the new heap. Cost: one full collection per load (a few hundred ms on a large model,
next to seconds of init()). What a frozen object's cycle turns into garbage later waits for the next reload.
"""

from __future__ import annotations

import gc


def freeze_loaded_heap() -> None:
    gc.unfreeze()
    gc.collect()
    gc.freeze()
