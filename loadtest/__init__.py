"""The load run (issue 15): locust against two app servers and two task workers, see run.py."""
