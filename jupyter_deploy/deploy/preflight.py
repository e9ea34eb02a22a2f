"""The preflight: before any image is built, what the model files and the entry script need against what the
environment will install.

Needs come from the files themselves (`environment.model_files`: pickle opcodes, Keras metadata, the script's
imports); what the environment installs comes from its resolved distributions (`image.resolved`, metadata only)
and the modules each provides (`environment.module_owners`). A module nothing installs stops the deployment with
one sentence naming the file, the module and the package to add; a version skew is a DeployWarning naming both
versions. Typically a second or two; a few more the first time an environment is resolved.
"""

from __future__ import annotations

import sys
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable, Optional

from ..environment import Environment
from ..environment.model_files import FileNeeds, ModuleNeed, RecordedVersion, models_needs, script_needs
from ..environment.module_owners import package_for_module, provided_modules
from ..errors import DependencyResolutionError, DeployWarning, ModelDependencyMissing
from ..image import ResolvedDistribution, image_requirements, resolved_distributions
from ..image.runtime_deps import runtime_conflict_from

# Provided inside every image by the runtime and its azureml stand-ins, whatever the environment holds.
RUNTIME_PROVIDED = {"azureml", "jupyter_deploy", "jupyter_deploy_runtime"}
# Which resolved distributions can satisfy a version a file recorded.
VERSION_PROVIDERS = {"scikit-learn": ("scikit-learn",), "keras": ("keras", "tf-keras")}


@dataclass
class PreflightReport:
    needs: FileNeeds
    distributions: list[ResolvedDistribution]
    skews: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def summary(self) -> str:
        sources = sorted({n.source for n in self.needs.modules} | {v.source for v in self.needs.versions})
        return (f"Preflight: {len(sources)} files need {len({n.top_level for n in self.needs.modules})} modules, all "
                f"installed by the environment's {len(self.distributions)} distributions ({self.seconds:.1f} s)")


def preflight(environment: Environment, models: Iterable = (), entry_script: "Optional[str | Path]" = None, *,
              source_directory: "Optional[str | Path]" = None, script_label: Optional[str] = None, on_log: Optional[Callable[[str], None]] = None) -> PreflightReport:
    """Raise ModelDependencyMissing for a needed module nothing installs; warn for each recorded version skew."""
    started = time.perf_counter()
    needs = models_needs(models)
    if entry_script is not None:
        needs.extend(script_needs(Path(entry_script), script_label, local_roots=[source_directory] if source_directory else ()))
    requirements = image_requirements(environment)  # raises RuntimeDependencyConflict for a direct clash
    try:
        distributions = resolved_distributions(requirements, on_log=on_log)
    except DependencyResolutionError as error:
        runtime = [line for line in requirements if line not in environment.pip_requirements()]
        raise (runtime_conflict_from(error, environment.pip_requirements(), runtime) or error) from None
    provided: set[str] = set(RUNTIME_PROVIDED)
    for distribution in distributions:
        provided |= provided_modules(distribution.name, distribution.wheel)
    missing = [need for need in needs.modules if need.top_level not in provided]
    if missing:
        raise ModelDependencyMissing(_missing_sentence(missing))
    report = PreflightReport(needs, distributions)
    for recorded in needs.versions:
        skew = _skew(recorded, distributions)
        if skew:
            report.skews.append(skew)
            warnings.warn(skew, DeployWarning, stacklevel=2)
    report.seconds = time.perf_counter() - started
    return report


def _missing_sentence(missing: list[ModuleNeed]) -> str:
    by_module: dict[str, list[str]] = {}
    for need in missing:
        sources = by_module.setdefault(need.top_level, [])
        if need.source not in sources:
            sources.append(need.source)
    parts = []
    for module, sources in by_module.items():
        parts.append(f"{' and '.join(sources)} {'needs' if len(sources) == 1 else 'need'} the module {module}; "
                     f"add {package_for_module(module)} to the environment")
    return "; ".join(parts) + "."


def _skew(recorded: RecordedVersion, distributions: list[ResolvedDistribution]) -> Optional[str]:
    providers = VERSION_PROVIDERS.get(recorded.distribution, (recorded.distribution,))
    resolved = [d for d in distributions if d.name in providers]
    if not resolved or any(_same_release(d.version, recorded.version) for d in resolved):
        return None
    installs = " and ".join(f"{d.name} {d.version}" for d in resolved)
    return (f"{recorded.source} was saved with {recorded.distribution} {recorded.version}, but the environment "
            f"installs {installs}; pin {recorded.distribution}=={recorded.version} if it does not load.")


def _same_release(resolved: str, recorded: str) -> bool:
    """Equal as far as the recorded version goes (a file saying 2.15 matches 2.15.1)."""
    wanted = recorded.split("+")[0].split(".")
    return resolved.split("+")[0].split(".")[: len(wanted)] == wanted
