"""Entry-script checks and Azure config files: mistakes are caught before any image is built."""

from __future__ import annotations

import json

import pytest

from jupyter_deploy import Environment, InferenceConfig
from jupyter_deploy.environment import resolve_environment
from jupyter_deploy.registry import Workspace
from jupyter_deploy.deploy.config_files import load_deployment_config, load_inference_config
from jupyter_deploy.errors import ConfigFileError, EntryScriptError

GOOD = "def init():\n    pass\n\ndef run(data):\n    return data\n"


def write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_valid_script_without_source_directory_ships_only_the_script(tmp_path):
    script = write(tmp_path / "score.py", GOOD)
    write(tmp_path / "big.csv", "a,b\n")
    config = InferenceConfig(entry_script=str(script), environment=Environment("e"))
    assert config.entry_script == "score.py"
    assert [arc for _, arc in config.app_files()] == ["score.py"]


def test_source_directory_ships_the_folder(tmp_path):
    write(tmp_path / "src" / "score.py", GOOD)
    write(tmp_path / "src" / "helpers" / "util.py", "X = 1\n")
    write(tmp_path / "src" / "__pycache__" / "junk.pyc", "")
    config = InferenceConfig("score.py", source_directory=tmp_path / "src")
    assert sorted(arc for _, arc in config.app_files()) == ["helpers/util.py", "score.py"]
    assert config.environment is None  # made at deploy time, named after the service (environment.resolve)


@pytest.mark.parametrize("source, message", [
    ("def init():\n    pass\n", r"score.py, line 2: no run\(\) function"),
    ("def run(data):\n    pass\n", r"score.py, line 1: no init\(\) function"),
    ("def init():\n    pass\ndef run(data)\n    pass\n", r"score.py, line 3: .*syntax"),
    ("def init():\n    pass\ndef run():\n    pass\n", r"line 3: run\(\) takes no argument"),
])
def test_bad_scripts_name_file_and_line(tmp_path, source, message):
    script = write(tmp_path / "score.py", source)
    with pytest.raises(EntryScriptError, match=message):
        InferenceConfig(str(script))


def test_missing_script(tmp_path):
    with pytest.raises(EntryScriptError, match="does not exist"):
        InferenceConfig(str(tmp_path / "nope.py"))


def test_inference_config_json_paths_are_relative_to_the_file(tmp_path, monkeypatch):
    project = tmp_path / "project"
    write(project / "score.py", GOOD)
    write(project / "myenv.yml", "name: project_environment\ndependencies:\n  - python=3.11\n  - pip:\n    - pyyaml\n")
    write(project / "inferenceConfig.json", json.dumps({"entryScript": "score.py", "runtime": "python", "condaFile": "myenv.yml"}))
    monkeypatch.chdir(tmp_path)
    config = load_inference_config(project / "inferenceConfig.json")
    assert config.entry_script_path == (project / "score.py").resolve()
    assert config.environment is None and config.conda_file == (project / "myenv.yml").resolve()
    environment = resolve_environment(Workspace(tmp_path / "ws"), "svc", conda_file=config.conda_file)
    assert environment.name == "svc-env" and "pyyaml" in environment.pip_requirements()


def test_malformed_json_config_names_file_and_line(tmp_path):
    config = write(tmp_path / "inferenceConfig.json", '{\n  "entryScript": "score.py",\n  "runtime" "python"\n}')
    with pytest.raises(ConfigFileError, match=r"inferenceConfig.json, line 3 column 13"):
        load_inference_config(config)


def test_unknown_and_missing_keys(tmp_path):
    write(tmp_path / "score.py", GOOD)
    with pytest.raises(ConfigFileError, match="unknown key 'entryscript'"):
        load_inference_config(write(tmp_path / "a.json", json.dumps({"entryscript": "score.py"})))
    with pytest.raises(ConfigFileError, match="'entryScript' is missing"):
        load_inference_config(write(tmp_path / "b.json", json.dumps({"runtime": "python"})))
    with pytest.raises(ConfigFileError, match="runtime 'spark-py' is not supported"):
        load_inference_config(write(tmp_path / "c.json", json.dumps({"entryScript": "score.py", "runtime": "spark-py"})))


def test_yaml_inference_config_is_accepted(tmp_path):
    write(tmp_path / "score.py", GOOD)
    config = load_inference_config(write(tmp_path / "ic.yml", "entryScript: score.py\nruntime: python\n"))
    assert config.entry_script == "score.py"


def test_deployment_config(tmp_path):
    assert load_deployment_config(write(tmp_path / "d.json", '{"computeType": "LOCAL"}')).port is None
    assert load_deployment_config(write(tmp_path / "e.json", '{"computeType": "local", "port": 32267}')).port == 32267
    assert load_deployment_config(None, port=8080).port == 8080
    assert load_deployment_config(write(tmp_path / "f.json", '{"computeType": "AKS"}')).compute_type == "AKS"
    with pytest.raises(ConfigFileError, match="computeType 'ACI' cannot run here"):
        load_deployment_config(write(tmp_path / "h.json", '{"computeType": "ACI"}'))
    with pytest.raises(ConfigFileError, match="port must be a number"):
        load_deployment_config(write(tmp_path / "g.json", '{"computeType": "LOCAL", "port": "x"}'))
    with pytest.raises(ConfigFileError, match="does not exist"):
        load_deployment_config(tmp_path / "missing.json")


def test_deployment_config_reads_memory_and_workers_azure_style(tmp_path):
    from jupyter_deploy.deploy import load_deployment_config
    from jupyter_deploy.errors import ConfigFileError

    path = tmp_path / "deploymentConfig.json"
    path.write_text('{"computeType": "LOCAL", "port": 32267, "containerResourceRequirements": {"memoryInGB": 0.5},'
                    ' "workers": 2}')
    config = load_deployment_config(path)
    assert (config.port, config.memory_gb, config.workers) == (32267, 0.5, 2)
    assert config.to_dict()["containerResourceRequirements"] == {"memoryInGB": 0.5}
    assert load_deployment_config(path, workers=4).workers == 4
    path.write_text('{"computeType": "LOCAL", "workers": 0}')
    with pytest.raises(ConfigFileError, match="workers 0 cannot be used"):
        load_deployment_config(path)
    path.write_text('{"computeType": "LOCAL", "containerResourceRequirements": {"memoryInGB": "lots"}}')
    with pytest.raises(ConfigFileError, match="memory_gb 'lots' cannot be used"):
        load_deployment_config(path)
