"""Environment specs: conda yml, requirements files, kernel capture, persistence — no Docker, no network."""

import importlib.metadata
import logging
import sys
import textwrap
import warnings

import pytest

from jupyter_deploy.environment import CondaDependencies, Environment
from jupyter_deploy.environment.conda import conda_to_pip
from jupyter_deploy.errors import EnvironmentSpecError
from jupyter_deploy.errors import DeployWarning

KERNEL = f"{sys.version_info.major}.{sys.version_info.minor}"


def write(path, text):
    path.write_text(textwrap.dedent(text))
    return path


def deploy_warnings(record):
    return [str(w.message) for w in record if issubclass(w.category, DeployWarning)]


def test_conda_specification_maps_conda_names_and_keeps_pip_section(tmp_path):
    spec = write(tmp_path / "myenv.yml", f"""\
        name: project_environment
        channels: [conda-forge, pytorch]
        dependencies:
          - python={KERNEL}
          - numpy=1.21
          - conda-forge::scikit-learn>=1.0,<2
          - pytorch
          - pip
          - pip:
            - pyyaml==6.0.1
            - requests
        """)
    env = Environment.from_conda_specification("myenv", str(spec))
    assert env.python_version == KERNEL
    assert env.pip_requirements() == ["numpy==1.21.*", "scikit-learn>=1.0,<2", "torch", "pyyaml==6.0.1", "requests"]
    assert env.python.conda_dependencies.channels == ["conda-forge", "pytorch"]


@pytest.mark.parametrize(
    "conda_spec, pip_requirement",
    [
        ("numpy=1.21", "numpy==1.21.*"),
        ("numpy 1.21", "numpy==1.21.*"),
        ("numpy=1.21.2=py39_0", "numpy==1.21.2"),
        ("numpy 1.21.2 py39_0", "numpy==1.21.2"),
        ("numpy==1.21.2", "numpy==1.21.2"),
        ("numpy=1.21.*", "numpy==1.21.*"),
        ("numpy>=1.20", "numpy>=1.20"),
        ("numpy <2", "numpy<2"),
        ("numpy>=1.20,<2", "numpy>=1.20,<2"),
        ("conda-forge::pillow=9", "pillow==9.*"),
        ("py-xgboost=1.7", "xgboost==1.7.*"),
        ("opencv", "opencv-python-headless"),
        ("matplotlib-base>=3.5", "matplotlib>=3.5"),
        ("some-conda-forge-name=2.0", "some-conda-forge-name==2.0.*"),
    ],
)
def test_conda_version_translation(conda_spec, pip_requirement):
    assert conda_to_pip(conda_spec) == pip_requirement


def test_conda_package_without_pip_equivalent_is_dropped_with_a_warning():
    deps = CondaDependencies.create(conda_packages=["mkl", "cudatoolkit=11.8", "numpy"])
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        assert deps.pip_requirements() == ["numpy"]
    messages = deploy_warnings(record)
    assert any("'mkl'" in m and "no pip equivalent" in m for m in messages)
    assert any("'cudatoolkit'" in m for m in messages)


def test_conda_match_spec_brackets_are_rejected_with_the_spec_named():
    deps = CondaDependencies.create(conda_packages=["numpy[version='>=1.2']"])
    with pytest.raises(EnvironmentSpecError, match=r"numpy\[version"):
        deps.pip_requirements()


def test_azureml_defaults_is_dropped_quietly_but_azureml_core_is_kept(caplog):
    deps = CondaDependencies.create(pip_packages=["azureml-defaults>=1.40", "azureml-core==1.48.0", "pyyaml"])
    with warnings.catch_warnings(record=True) as record, caplog.at_level(logging.INFO, logger="jupyter_deploy"):
        warnings.simplefilter("always")
        assert deps.pip_requirements() == ["azureml-core==1.48.0", "pyyaml"]
    assert deploy_warnings(record) == []
    assert any("azureml-defaults" in r.getMessage() for r in caplog.records)


def test_python_pin_that_differs_from_the_kernel_warns_once_naming_both(tmp_path):
    spec = write(tmp_path / "myenv.yml", """\
        name: old
        dependencies:
          - python=3.8
          - numpy
        """)
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        env = Environment.from_conda_specification("old", str(spec))
    assert deploy_warnings(record) == [
        f"myenv.yml asks for python=3.8 but the base image has Python {KERNEL}; building with {KERNEL}."
    ]
    assert env.python_version == "3.8"


@pytest.mark.parametrize("spec", [f"python={KERNEL}", f"python {KERNEL}.0", "python>=3.8", "python>=3,<4", "python"])
def test_python_pin_the_kernel_satisfies_is_silent(spec):
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        CondaDependencies.create(conda_packages=[spec])
        CondaDependencies.create(python_version=KERNEL)
    assert deploy_warnings(record) == []


def test_python_range_the_kernel_misses_warns_with_the_range():
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        deps = CondaDependencies.create(conda_packages=["python>=3.8,<3.10"])
    assert deploy_warnings(record) == [
        f"CondaDependencies asks for python>=3.8,<3.10 but the base image has Python {KERNEL}; building with {KERNEL}."
    ]
    assert deps.python_version == ">=3.8,<3.10"


@pytest.mark.parametrize(
    "text, expected_fragment",
    [
        ("name: x\ndependencies:\n  - numpy\n\t- pandas\n", "not valid YAML at line 4"),
        ("name: x\ndependencies: numpy\n", "'dependencies' must be a list"),
        ("- numpy\n- pandas\n", "must be a mapping"),
        ("name: x\ndependencies:\n  - conda: [numpy]\n", "'conda' is not understood"),
    ],
)
def test_malformed_conda_file_names_the_file(tmp_path, text, expected_fragment):
    spec = tmp_path / "broken.yml"
    spec.write_text(text)
    with pytest.raises(EnvironmentSpecError) as raised:
        Environment.from_conda_specification("x", str(spec))
    assert "broken.yml" in str(raised.value)
    assert expected_fragment in str(raised.value)


def test_missing_conda_file_is_a_spec_error(tmp_path):
    with pytest.raises(EnvironmentSpecError, match="does not exist"):
        Environment.from_conda_specification("x", str(tmp_path / "nope.yml"))


def test_requirements_file_with_includes_comments_and_options(tmp_path):
    (tmp_path / "sub").mkdir()
    write(tmp_path / "sub" / "base.txt", """\
        # shared pins
        numpy==1.26.4  # trailing comment
        """)
    requirements = write(tmp_path / "requirements.txt", """\
        --extra-index-url https://example.invalid/simple
        -r sub/base.txt

        pyyaml>=6 \\
            ; python_version >= "3.8"
        azureml-defaults
        """)
    env = Environment.from_pip_requirements("reqs", str(requirements))
    assert env.pip_requirements() == [
        "--extra-index-url https://example.invalid/simple",
        "numpy==1.26.4",
        'pyyaml>=6 ; python_version >= "3.8"',
    ]


@pytest.mark.parametrize("line, fragment", [("-e ./pkg", "editable"), ("-c constraints.txt", "constraints"),
                                            ("--require-hashes", "--require-hashes")])
def test_requirements_options_that_cannot_work_are_rejected_with_the_line(tmp_path, line, fragment):
    requirements = write(tmp_path / "requirements.txt", f"pyyaml\n{line}\n")
    with pytest.raises(EnvironmentSpecError) as raised:
        Environment.from_pip_requirements("reqs", str(requirements))
    assert fragment in str(raised.value)
    assert "line 2 of requirements.txt" in str(raised.value)


def test_missing_included_requirements_file_names_the_includer(tmp_path):
    requirements = write(tmp_path / "requirements.txt", "-r missing.txt\n")
    with pytest.raises(EnvironmentSpecError, match="missing.txt does not exist"):
        Environment.from_pip_requirements("reqs", str(requirements))


def test_from_kernel_pins_installed_versions_and_skips_stdlib(tmp_path):
    script = write(tmp_path / "score.py", """\
        import json
        import os.path
        import numpy as np
        from helper import util

        def init():
            global yaml
            import yaml
            from collections import OrderedDict

        def run(data):
            return json.dumps(np.asarray(data).tolist())
        """)
    (tmp_path / "helper.py").write_text("util = 1\n")
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        env = Environment.from_kernel("captured", entry_script=str(script))
    assert deploy_warnings(record) == []
    assert env.pip_requirements() == [
        f"numpy=={importlib.metadata.version('numpy')}",
        f"pyyaml=={importlib.metadata.version('pyyaml')}",
    ]
    assert env.python_version == KERNEL


def test_from_kernel_warns_for_an_import_that_is_not_installed(tmp_path):
    script = write(tmp_path / "score.py", "import not_installed_anywhere_xyz.sub\n")
    with warnings.catch_warnings(record=True) as record:
        warnings.simplefilter("always")
        env = Environment.from_kernel("captured", entry_script=str(script))
    assert env.pip_requirements() == []
    messages = deploy_warnings(record)
    assert len(messages) == 1 and "'not_installed_anywhere_xyz'" in messages[0]


def test_from_kernel_adds_framework_distributions_sorted():
    env = Environment.from_kernel("fw", frameworks=["ScikitLearn", "pyyaml"])
    assert env.pip_requirements() == [
        f"pyyaml=={importlib.metadata.version('pyyaml')}",
        f"scikit-learn=={importlib.metadata.version('scikit-learn')}",
    ]


def test_from_kernel_reports_a_script_that_does_not_parse(tmp_path):
    script = write(tmp_path / "score.py", "def init(:\n")
    with pytest.raises(EnvironmentSpecError, match="score.py does not parse"):
        Environment.from_kernel("bad", entry_script=str(script))


def test_to_dict_round_trip_keeps_everything():
    env = Environment("roundtrip")
    env.python.conda_dependencies = CondaDependencies.create(
        pip_packages=["pyyaml==6.0.1", "--extra-index-url https://example.invalid/simple"],
        conda_packages=["numpy=1.26"], python_version=KERNEL,
    )
    env.python.conda_dependencies.add_channel("conda-forge")
    env.environment_variables = {"WORKERS": "2"}
    env.python.user_managed_dependencies = True
    restored = Environment.from_dict(env.to_dict())
    assert restored.to_dict() == env.to_dict()
    assert restored.pip_requirements() == env.pip_requirements()
    assert restored.fingerprint() == env.fingerprint()
    assert restored.environment_variables == {"WORKERS": "2"}


def test_fingerprint_ignores_order_but_not_content():
    a = Environment("a")
    a.python.conda_dependencies = CondaDependencies.create(pip_packages=["pyyaml", "requests"])
    b = Environment("b")
    b.python.conda_dependencies = CondaDependencies.create(pip_packages=["requests", "pyyaml"])
    c = Environment("c")
    c.python.conda_dependencies = CondaDependencies.create(pip_packages=["requests", "pyyaml==6.0.1"])
    assert a.fingerprint() == b.fingerprint()
    assert a.fingerprint() != c.fingerprint()
    assert len(a.fingerprint()) == 64


def test_conda_origin_points_back_to_the_conda_spec():
    env = Environment("origin")
    env.python.conda_dependencies = CondaDependencies.create(conda_packages=["py-xgboost=1.7"], pip_packages=["pyyaml"])
    assert env.conda_origin("xgboost==1.7.*") == "py-xgboost=1.7"
    assert env.conda_origin("pyyaml") is None
