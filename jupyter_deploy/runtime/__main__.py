"""Entry point: ``python -m jupyter_deploy_runtime`` in the service image."""

from .cli import main

raise SystemExit(main())
