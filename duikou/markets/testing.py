"""Small factories for matching tests (and for the permission matrix)."""


def matrix_world(editor, stranger, inside, outside) -> dict:
    """Objects on the 信阳 side (in scope of ``editor``) and on the 延安 side (``stranger``) for the permission
    matrix; each part of matching adds its own."""
    world: dict = {}
    # consumption world
    # labour world
    # recommend world
    return world
