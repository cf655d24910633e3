"""`python -m tests.ops.clocked_command <command> ...`: a `meinekammer` command (a task worker,
an app server) in a process of its own whose clock is moved by the fault tests (time-machine).

FAULTS_CLOCK_OFFSET: seconds the clock starts ahead of the real one ("six minutes later").
FAULTS_CLOCK_SPEED: simulated seconds per real second (1: the real pace; 100: ten minutes of
simulated time pass in six real seconds). Only Python's clock moves: sleeps and timeouts stay
real, which is what a long outage looks like to the code that reads the time.
"""

import os
import sys
import threading
import time
from datetime import UTC, datetime, timedelta


def _start_clock() -> None:
    offset = float(os.environ.get("FAULTS_CLOCK_OFFSET", "0"))
    speed = float(os.environ.get("FAULTS_CLOCK_SPEED", "1"))
    if not offset and speed == 1:
        return
    import time_machine

    traveller = time_machine.travel(datetime.now(UTC) + timedelta(seconds=offset), tick=True)
    clock = traveller.start()
    if speed != 1:

        def run() -> None:
            step = 0.05
            while True:
                time.sleep(step)
                clock.shift(timedelta(seconds=step * (speed - 1)))

        threading.Thread(target=run, daemon=True, name="faults-clock").start()


if __name__ == "__main__":
    _start_clock()
    from meinekammer.__main__ import main

    sys.argv = ["meinekammer", *sys.argv[1:]]
    main()
