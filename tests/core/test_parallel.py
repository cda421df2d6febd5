"""The thread pool used by the kernels."""

import threading

import pytest

from modelmetrics._core.parallel import num_threads, run_parallel


def test_results_come_back_in_task_order_with_more_tasks_than_threads():
    tasks = [lambda i=i: i * i for i in range(50)]
    assert run_parallel(tasks, 2) == [i * i for i in range(50)]
    assert run_parallel(tasks, 1) == [i * i for i in range(50)]


def test_every_thread_takes_tasks():
    seen = set()
    barrier = threading.Barrier(2, timeout=5)

    def task():
        seen.add(threading.get_ident())
        barrier.wait()  # needs two threads working at once, or it times out

    run_parallel([task, task, task, task], 2)
    assert len(seen) == 2


def test_exceptions_propagate():
    def boom():
        raise RuntimeError("task failed")

    with pytest.raises(RuntimeError, match="task failed"):
        run_parallel([lambda: 1, boom, lambda: 3], 2)


def test_num_threads_context_limits_the_default():
    with num_threads(1):
        main = threading.get_ident()
        assert run_parallel([threading.get_ident, threading.get_ident]) == [main, main]
