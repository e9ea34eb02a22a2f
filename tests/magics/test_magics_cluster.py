"""%deploy --target / --replicas refusals as one sentence (the swarm path itself runs in tests/deploy)."""


def _refused(nb, capsys, code: str) -> str:
    capsys.readouterr()
    result = nb.shell.run_cell(code)
    captured = capsys.readouterr()
    assert result.error_in_exec is None and result.result is None and nb.tracebacks == []
    assert "Traceback" not in captured.err
    return captured.err.strip()


def test_replicas_need_a_target(nb, capsys):
    (nb.folder / "score.py").write_text("def init():\n    pass\n\ndef run(data):\n    return data\n")
    message = _refused(nb, capsys, "%deploy svc-one --script score.py --replicas 2")
    assert "--replicas needs --target" in message


def test_unknown_target_is_one_sentence(nb, capsys):
    (nb.folder / "score.py").write_text("def init():\n    pass\n\ndef run(data):\n    return data\n")
    message = _refused(nb, capsys, "%deploy svc-one --script score.py --target nowhere")
    assert "No compute target named 'nowhere'" in message
