"""Fixtures shared by the black-box tests (see stack.py for what a Stack is).

    @pytest.fixture(scope="module")
    def stack(make_stack):
        # a seeded database, private redis, the gateway and two ecom-kpi instances
        return make_stack(seed={"orders": 5000, "random_seed": 7}, services={"kpi": 2})

make_stack(services=None, start=True, **Stack options) builds, starts and returns a Stack;
at the end of the module every stack it made is stopped, and the module fails when a process
did not exit with status 0 or printed a sanitizer report.

mdp_worker / mdp_client (mdp_peer.py) are Python MDP/0.1 peers for tests of the gateway's
generic behaviour that need no real service."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from stack import Stack  # noqa: E402
from mdp_peer import MdpWorker  # noqa: E402


@pytest.fixture(scope="module")
def make_stack(request, tmp_path_factory):
    stacks = []
    module = request.module.__name__.rsplit(".", 1)[-1].replace("test_", "")

    def factory(services=None, start=True, **options):
        name = f"{module}{len(stacks)}"
        stack = Stack(tmp_path_factory.mktemp(name), name, **options)
        stacks.append(stack)
        if start:
            stack.start(services=services)
        return stack

    yield factory
    problems = []
    for stack in stacks:
        stack.stop()
        problems += stack.unclean_exits()
    assert not problems, "\n\n".join(problems)


@pytest.fixture
def mdp_worker():
    """Starts Python MDP workers: mdp_worker(endpoint, service, handler) -> MdpWorker.
    Every worker started is stopped at the end of the test."""
    workers = []

    def start(endpoint, service, handler=None, **options):
        worker = MdpWorker(endpoint, service, handler, **options)
        worker.start()
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.stop()
