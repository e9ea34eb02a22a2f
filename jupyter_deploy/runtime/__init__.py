"""Scoring runtime that runs inside the service container (and, for tests and dry runs, on the host).

Serves an Azure ML SDK v1 entry script — ``init()`` once, ``run(data)`` per request — with the HTTP contract
of azureml-inference-server-http, on a bare ASGI app under uvicorn. Shipped into the image verbatim as
the top-level package ``jupyter_deploy_runtime``; hence relative imports only, and nothing from the rest
of ``jupyter_deploy``. Entry points: ``python -m jupyter_deploy_runtime`` (cli.py) and
``app.ScoringApp`` for in-process use.
"""
