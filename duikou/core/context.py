from duikou.accounts import scoping


def navigation(request):
    user = getattr(request, "user", None)
    actions = scoping.actions_for(user) if user is not None else frozenset()
    return {
        "can": {action.value: action in actions for action in scoping.Action},
        # from the actions already read, so that drawing the menu does not count as a page's own scoping check
        "oversees": scoping.Action.VIEW in actions and scoping.watches_area(user),
    }
