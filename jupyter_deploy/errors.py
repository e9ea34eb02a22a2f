"""One exception type per user mistake, each carrying a sentence that says what is wrong and how to fix it.

Front ends (CLI, magics, REST) catch `JupyterDeployError` in one place and show `str(error)`; nothing else
from our code should reach the user as a traceback. `DeployWarning` is the one warning category: things that
work but may not be what the user meant.
"""


class DeployWarning(UserWarning):
    """Shown once per occurrence; front ends print it as one line."""


class JupyterDeployError(Exception):
    """Base class: the message is the whole story for the user."""


class InvalidModelName(JupyterDeployError, ValueError):
    pass


class ModelPathError(JupyterDeployError, ValueError):
    """The path given to register does not exist, is empty, or escapes its folder."""


class ModelNotFound(JupyterDeployError, LookupError):
    pass


class ModelInUse(JupyterDeployError):
    pass


class EntryScriptError(JupyterDeployError, ValueError):
    """The entry script is missing, does not parse, or lacks init()/run(data)."""


class EnvironmentSpecError(JupyterDeployError, ValueError):
    """A conda yml / requirements file / environment definition cannot be used."""


class ConfigFileError(JupyterDeployError, ValueError):
    """An Azure-style inferenceConfig.json / deploymentConfig.json is malformed."""


class DependencyResolutionError(JupyterDeployError):
    """pip could not resolve or fetch the environment's packages on the host."""


class DockerNotRunning(JupyterDeployError):
    pass


class BaseImageMissing(JupyterDeployError):
    pass


class ImageBuildError(JupyterDeployError):
    pass


class InvalidPort(JupyterDeployError, ValueError):
    """A port that is not a usable TCP port for a service."""


class InvalidSetting(JupyterDeployError, ValueError):
    """An environment variable of ours holds a value we cannot use."""


class PortInUse(JupyterDeployError):
    pass


class ServiceNotFound(JupyterDeployError, LookupError):
    pass


class ServiceExists(JupyterDeployError):
    pass


class DeploymentFailed(JupyterDeployError):
    """The container started but the service never became healthy (init() raised, crashed, or timed out)."""


class WebserviceError(JupyterDeployError):
    """A call against a running service failed (not reachable, bad response)."""


class UnsupportedObject(JupyterDeployError, TypeError):
    """A kernel object given to register has no known way to be saved to a file."""


class UnknownVariable(JupyterDeployError, NameError):
    """A name given to a notebook magic is neither a kernel variable nor an existing file."""


class InvalidRequestBody(JupyterDeployError, ValueError):
    """A request body meant to be JSON does not parse."""


class EndpointTestError(JupyterDeployError, ValueError):
    """An endpoint test was asked for with an unusable target or bounds."""


class InvalidServiceName(JupyterDeployError, ValueError):
    pass


class DeploymentNotFound(JupyterDeployError, LookupError):
    """No background deployment with that id was started by this server (ids do not survive a restart)."""


class DeploymentRunning(JupyterDeployError):
    """A deployment of the same service is still running; a second one would race it for the container."""


class InvalidRequest(JupyterDeployError, ValueError):
    """A REST request body or query argument is not valid JSON, lacks a field, or has one of the wrong type."""


class PathOutsideRoot(JupyterDeployError, ValueError):
    """A path in a REST request points outside the Jupyter server's root folder."""


class FormError(JupyterDeployError, ValueError):
    """A field of a notebook widget's form is missing or unusable."""


class WorkspaceError(JupyterDeployError):
    """The workspace folder cannot be created, read or written (a file in the way, no permission, a read-only place)."""


class CatalogueDamaged(JupyterDeployError):
    """The workspace's catalogue.sqlite is not a readable SQLite database."""


class FileAccessError(JupyterDeployError):
    """A file or folder the user named cannot be read or written (missing, no permission, not UTF-8, name too long)."""


def system_error_sentence(error: BaseException) -> str | None:
    """The one sentence for an operating-system, SQLite or decoding error that reached a front end, else None.

    Each front end (CLI, magics, REST) calls this in its one error handler, so an `OSError` the core did not
    turn into its own sentence still reaches the user as one line, never as a traceback.
    """
    import sqlite3

    if isinstance(error, UnicodeDecodeError):
        return (f"A file is not UTF-8 text ({error.reason} at byte {error.start}); save it as UTF-8 "
                "(or pass the right file) and try again.")
    if isinstance(error, OSError) and error.strerror:
        where = f" '{error.filename}'" if error.filename else ""
        also = f" and '{error.filename2}'" if getattr(error, "filename2", None) else ""
        return f"Cannot use{where}{also}: {error.strerror}; check the path and its permissions."
    if isinstance(error, sqlite3.Error):
        return (f"The workspace catalogue could not be used ({error}); if another process holds it, wait and retry, "
                "otherwise move catalogue.sqlite aside and run the command again.")
    if isinstance(error, OSError):
        return f"A system call failed ({type(error).__name__}: {error}); check the paths you gave and try again."
    return None
class ModelDependencyMissing(JupyterDeployError):
    """A model file or the entry script needs a module that nothing in the environment installs (found before any build)."""


class RuntimeDependencyConflict(JupyterDeployError):
    """The environment pins a package the scoring runtime needs, at versions the runtime does not support."""
class InvalidSince(JupyterDeployError, ValueError):
    """A `since` value is neither a duration like 30s, 15m, 1h, 2d nor an ISO date and time."""


class MetricsUnavailable(JupyterDeployError):
    """The service did not answer GET /metrics (not running, or an older image without monitoring)."""


class BaselineError(JupyterDeployError, ValueError):
    """A drift baseline is not a CSV file or a DataFrame with numeric features in common with the captured data."""


class NoCollectedData(JupyterDeployError, LookupError):
    """A service has no captured rows to compare (collection off, or no requests yet)."""
class ComputeTargetError(JupyterDeployError, ValueError):
    """A compute target cannot be attached or used (no swarm, no kubeconfig, no registry, still in use)."""


class ComputeTargetNotFound(JupyterDeployError, LookupError):
    """No compute target of that name is attached to the workspace."""


class ComputeTargetExists(JupyterDeployError):
    """A compute target of that name is already attached."""


class DeploymentConfigError(JupyterDeployError, ValueError):
    """A deployment configuration value cannot be used on its target (e.g. autoscaling on swarm)."""


class AuthKeyError(JupyterDeployError, ValueError):
    """Keys asked of a service without key auth, or a key name other than Primary/Secondary."""


class ClusterError(JupyterDeployError):
    """A Kubernetes cluster cannot be used: bad kubeconfig or context, API server unreachable, credentials refused.

    `status` is the HTTP status when the API server answered (409 is what an apply turns into a replace)."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class RegistryPushError(JupyterDeployError):
    """The service image could not be pushed to the target's registry (unreachable, login needed, refused)."""
