"""Running use cases at the same moment in real threads with their own connections.

Only meaningful on PostgreSQL (`postgres_only`, `django_db(transaction=True)`): SQLite
serializes writers and hides races.
"""

import threading

from django.db import close_old_connections, connection

from meinekammer.core.errors import Refused


def at_once(*targets):
    """Run the callables in threads released together; returns (results, refusals, errors).

    A use case's refusal (a `Refused`) is an answer the test may expect; anything else is an
    error the test re-raises through its assertion.
    """
    barrier = threading.Barrier(len(targets))
    results, refusals, errors = [], [], []

    def wrap(target):
        def run():
            try:
                barrier.wait()
                results.append(target())
            except Refused as refusal:
                refusals.append(str(refusal))
            except Exception as exc:
                errors.append(exc)
            finally:
                connection.close()

        return run

    threads = [threading.Thread(target=wrap(target)) for target in targets]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    close_old_connections()
    return results, refusals, errors


def run_at_once(target, count=2):
    """The same callable `count` times at once (a double click, a retry); returns the errors,
    refusals included."""
    barrier = threading.Barrier(count)
    errors = []

    def worker():
        try:
            barrier.wait()
            target()
        except Exception as exc:  # collected and re-raised in the test
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    close_old_connections()
    return errors
