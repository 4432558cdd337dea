"""What the pages of produce, labour and recommend share: a paged list, a form saved through a service, a close
button. Each subject's ``views.py`` says what to read, which service to call and what to say."""

from collections.abc import Callable
from functools import partial

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render

from duikou.accounts import scoping
from duikou.core.errors import StaleObjectError
from duikou.core.forms import apply_errors
from duikou.core.views import paginate


def list_page(request, template: str, qs, **context):
    """One page of ``qs`` with the links to the others."""
    page, querystring = paginate(request, qs, settings.PAGE_SIZE)
    return render(request, template, {"page_obj": page, "querystring": querystring, **context})


def may_change(request) -> bool:
    """Whether the user's role may change anything: the lists show their 新增 and 导入 buttons then."""
    return scoping.may(request.user, scoping.Action.CHANGE)


def saved(request, form, save: Callable[[], object], message: str, detail: str, pk: int | None = None):
    """Runs ``save`` for a valid form: the redirect to the ``detail`` page of the saved object (or of ``pk``) with
    ``message``, or None with the service's refusal (a broken rule, a stale version) put on the form."""
    try:
        obj = save()
    except (StaleObjectError, ValidationError) as exc:
        apply_errors(form, exc)
        return None
    messages.success(request, message)
    return redirect(detail, pk=obj.pk if pk is None else pk)


def closed(request, close: Callable[[], object], message: str, detail: str, pk: int):
    """Runs ``close`` and goes back to the object's ``detail`` page, saying whether it closed."""
    try:
        close()
    except StaleObjectError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, message)
    return redirect(detail, pk=pk)


def form_page(request, form, save: Callable, *, message: str, detail: str, template: str, context: dict):
    """A form's page: a valid POST runs ``save(form)`` and goes to the ``detail`` page; otherwise the form again,
    with what was wrong."""
    if request.method == "POST" and form.is_valid():
        done = saved(request, form, partial(save, form), message, detail)
        if done:
            return done
    return render(request, template, {"form": form, **context})


def initial_for(obj, fields) -> dict:
    """An edit form's starting values: the object's ``fields`` and the version the edit is based on."""
    return {name: getattr(obj, name) for name in fields} | {"version": obj.version}


def plan_page(request, form_class, template: str, make: Callable[[dict], object], name: str = "result"):
    """A plan asked for in the query string: the form, and the plan ``make`` computes from its valid values."""
    scoping.require(request.user, scoping.Action.VIEW)
    form = form_class(request.GET or None)
    result = make(form.cleaned_data) if request.GET and form.is_valid() else None
    return render(request, template, {"form": form, name: result})


def pair_page(request, form, save: Callable, sides: dict, explanation, pairing, *, message, detail, template):
    """The form that records what came of a recommended pair (an agreement, a placement), beside the pair's
    term-by-term explanation and the pairing between their places."""
    context = {**sides, "explanation": explanation, "pairing": pairing}
    return form_page(request, form, save, message=message, detail=detail, template=template, context=context)
