"""Filed plans are frozen for many-to-many changes too (tags of plan items)."""

from django.db.models.signals import m2m_changed
from django.dispatch import receiver

from .models import FrozenPlanError, Plan, PlanItem


@receiver(m2m_changed, sender=PlanItem.tasks.through)
@receiver(m2m_changed, sender=PlanItem.clauses.through)
def refuse_changes_to_filed_items(sender, instance, action, **kwargs):
    if action.startswith("pre_") and isinstance(instance, PlanItem):
        if Plan.objects.filter(pk=instance.plan_id, status=Plan.Status.FILED).exists():
            raise FrozenPlanError(instance.plan)
