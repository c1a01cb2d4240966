from django.apps import AppConfig
from django.db.models.signals import post_save


class ProgramsConfig(AppConfig):
    name = "programs"
    verbose_name = "Walking programs"

    def ready(self) -> None:
        # Cache bookkeeping, not domain logic: a new patient gets the (stale) row of
        # stored caseload sort keys that PostgreSQL's triggers mark stale on each write
        # (programs.models.CaseloadSortKeys). Patients created in bulk get theirs from
        # the refresh.
        from patients.models import Patient

        post_save.connect(
            _create_caseload_sort_keys,
            sender=Patient,
            dispatch_uid="programs.caseload_sort_keys_row",
        )


def _create_caseload_sort_keys(sender, instance, created: bool, raw: bool = False, **kwargs):
    if created and not raw:
        from programs.models import CaseloadSortKeys

        CaseloadSortKeys.objects.get_or_create(patient=instance)
