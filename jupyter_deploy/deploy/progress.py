"""The deploy flow's progress protocol, defined once: its phases, their titles, and how far along each one is.

A deployment reports `progress(phase, message)` as it goes. Front ends turn that into a bar (`%deploy`, the
ipywidgets panel), a JSON `progress` between 0 and 1 (the REST API, which the side panel polls) or printed lines
(the CLI). The build phase reports one call per build-log line; how many lines a build prints is not known in
advance, so its estimate creeps towards the next phase line by line.
"""

from __future__ import annotations

from typing import Callable

Progress = Callable[[str, str], None]
"""What a deployment calls with (phase, message) at each step, and with ("build", line) for each build-log line."""

PHASES = ("validating", "image", "build", "container", "init", "ready")
PHASE_TITLES = {"validating": "Checking", "image": "Image", "build": "Building", "container": "Container",
                "init": "init()", "ready": "Ready"}
# Where each phase starts on a 0–1 bar.
PHASE_START = {"validating": 0.0, "image": 0.05, "build": 0.1, "container": 0.75, "init": 0.85, "ready": 1.0}
_BUILD_SPAN = PHASE_START["container"] - PHASE_START["build"] - 0.05
_BUILD_STEP = 0.98


class ProgressEstimate:
    """The phase reached and a 0–1 estimate that never moves backwards (deploy reports 'image' again after a build)."""

    def __init__(self) -> None:
        self.phase = PHASES[0]
        self.fraction = 0.0
        self.build_lines = 0

    def update(self, phase: str) -> None:
        if phase in PHASE_START and PHASES.index(phase) >= PHASES.index(self.phase):
            self.phase = phase
        if phase == "build":
            self.build_lines += 1
            estimate = PHASE_START["build"] + _BUILD_SPAN * (1 - _BUILD_STEP ** self.build_lines)
        else:
            estimate = PHASE_START.get(phase, self.fraction)
        self.fraction = max(self.fraction, estimate)

    def finish(self) -> None:
        self.phase, self.fraction = "ready", 1.0

    @property
    def title(self) -> str:
        return PHASE_TITLES[self.phase]


def reporter(show_output: bool, progress: Progress | None) -> Progress:
    """The callback a deployment uses: forwards to `progress` and, with `show_output`, prints each message."""

    def report(phase: str, message: str) -> None:
        if progress is not None:
            progress(phase, message)
        if show_output:
            print(message.rstrip("\n"), flush=True)

    return report
