"""The Docker swarm target: a replicated swarm service of the service image behind a small gateway on 127.0.0.1."""

from .service import SwarmWebservice, deploy_swarm

__all__ = ["SwarmWebservice", "deploy_swarm"]
