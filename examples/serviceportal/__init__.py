"""The sample "Serviceportal Bildung": a connected application that logs in with meinekammer."""
