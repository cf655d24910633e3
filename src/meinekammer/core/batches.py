"""Deleting many rows without one huge transaction (the retention jobs, ops/retention.py)."""

from django.db import models, transaction


def delete_in_batches(queryset: models.QuerySet, *, batch_size: int) -> int:
    """Delete what `queryset` matches, `batch_size` rows per transaction; returns how many rows
    of the queryset's model went.

    Each batch takes the primary keys first and deletes exactly those, so a long purge holds
    no lock for long and a second run at the same time deletes nothing twice. The filter is
    evaluated again for each batch: a row that stopped matching meanwhile (a mail that was
    retried, a record that became needed) is left alone.
    """
    model = queryset.model
    deleted = 0
    while True:
        with transaction.atomic():
            ids = list(queryset.order_by("pk").values_list("pk", flat=True)[:batch_size])
            if not ids:
                return deleted
            _total, per_model = model._default_manager.filter(pk__in=ids).delete()
            deleted += per_model.get(model._meta.label, 0)
        if len(ids) < batch_size:
            return deleted
