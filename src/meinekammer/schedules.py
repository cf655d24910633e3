"""Every periodic job of meinekammer, in one list.

`meinekammer run-schedules` enqueues the jobs that are due (run it from cron every minute, or
with --loop as a long-running process; `meinekammer demo` runs the loop). Each job is a task that
the workers execute; every job is idempotent, so running it twice, or on two hosts at once, does
no harm.
"""

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True)
class Schedule:
    name: str
    task_path: str
    every: timedelta
    why: str


SCHEDULES: list[Schedule] = [
    Schedule(
        name="send-backchannel-logouts",
        task_path="meinekammer.applications.tasks.send_backchannel_logouts",
        every=timedelta(minutes=1),
        why="Logout tokens (OpenID Connect Back-Channel Logout) that an application did not "
        "accept are sent again after a pause, at most 8 times (about two hours).",
    ),
    Schedule(
        name="retry-due-events",
        task_path="meinekammer.integration.tasks.retry_due_events",
        every=timedelta(minutes=1),
        why="Change events to connected applications whose receiver was down are sent again "
        "when their pause is over (in order per account; at most EVENT_MAX_ATTEMPTS times).",
    ),
    Schedule(
        name="requeue-due-emails",
        task_path="meinekammer.notifications.tasks.requeue_due_emails",
        every=timedelta(minutes=5),
        why="Mails whose delivery task went missing (e.g. a non-transactional queue backend "
        "lost it) are enqueued again; delivering an already sent mail does nothing.",
    ),
    Schedule(
        name="expire-invitations",
        task_path="meinekammer.companies.tasks.expire_due_invitations",
        every=timedelta(hours=1),
        why="Join links are valid for 14 days; pending invitations past their date are marked "
        "expired, so that admins see them as such.",
    ),
    Schedule(
        name="tidy-invitation-batches",
        task_path="meinekammer.companies.tasks.tidy_batches",
        every=timedelta(minutes=10),
        why="Invitations from a CSV file whose sending job went missing are sent on (no row "
        "twice); previews not confirmed within a day and result lists older than "
        "BULK_INVITATION_KEEP_DAYS (30) are deleted.",
    ),
    Schedule(
        name="resume-directory-imports",
        task_path="meinekammer.chambers.tasks.resume_directory_imports",
        every=timedelta(minutes=10),
        why="A directory upload whose worker died (no progress for 10 minutes) or whose job "
        "never reached a worker is imported again; the upsert by member number makes a "
        "second run harmless.",
    ),
    Schedule(
        name="delete-due-companies",
        task_path="meinekammer.companies.tasks.delete_due_companies",
        every=timedelta(hours=1),
        why="Companies whose deletion the chamber approved are deleted on their date (30 days "
        "after the request), unless it was revoked: memberships, roles, invitations and open "
        "requests end, personal data are erased, former members are told.",
    ),
    Schedule(
        name="remind-unused-letters",
        task_path="meinekammer.companies.tasks.remind_unused_activation_letters",
        every=timedelta(hours=6),
        why="An applicant whose activation letter was posted ACTIVATION_LETTER_UNUSED_DAYS ago "
        "(14) and is still not used is reminded by mail once, automatically; further reminders "
        "are sent by the chamber's staff ('Erinnerung senden'), at most once in "
        "ACTIVATION_REMINDER_INTERVAL_DAYS (7) per company. Off with "
        "ACTIVATION_REMINDER_AUTOMATIC=false.",
    ),
    Schedule(
        name="announce-admin-factors",
        task_path="meinekammer.companies.tasks.announce_admin_factors",
        every=timedelta(hours=1),
        why="Company admins of a chamber that switched the second factor on (or admins from "
        "before it was introduced) are told by mail from which date they need one.",
    ),
    Schedule(
        name="purge-ended-grants",
        task_path="meinekammer.applications.tasks.purge_grants",
        every=timedelta(hours=1),
        why="Codes, tokens and the records of how a login was authenticated that can no "
        "longer be used are deleted, so that they do not pile up with every login.",
    ),
    Schedule(
        name="apply-retention",
        task_path="meinekammer.ops.tasks.apply_retention",
        every=timedelta(days=1),
        why="Personal data are kept only as long as needed (GDPR Art. 5(1)(e)): audit events "
        "after 730 days, delivered mail after 30 days, ended invitations and refused or "
        "withdrawn requests after 90 days, ended sessions at once (settings RETENTION_*, "
        "ops/retention.py); what a pending deletion, a current admin or an undelivered mail "
        "still needs stays.",
    ),
]
