"""Small factories for matching tests (and for the permission matrix)."""

from .labour.testing import id_number as labour_id  # noqa: F401  (synthetic ID numbers of the labour world)


def matrix_world(editor, stranger, inside, outside) -> dict:
    """Objects on the 信阳 side (in scope of ``editor``) and on the 延安 side (``stranger``) for the permission
    matrix; each part of matching adds its own."""
    world: dict = {}
    # produce world
    from .produce.testing import matrix_world as produce_world

    world |= produce_world(editor, stranger)
    # labour world
    from .labour.testing import matrix_world as labour_world

    world.update(labour_world(editor, stranger))
    # recommend world
    world.update(recommend_world(editor, stranger))
    return world


def recommend_world(editor, stranger) -> dict:
    """The shipped pairing data (example profiles and ties) and one tie entered by each side."""
    from duikou.geo.models import Region

    from .models import EconomicTie
    from .recommend.services import load_shipped

    load_shipped()
    region = Region.objects.in_bulk(["411500", "320500", "610600", "320200"])

    def tie(old: str, partner: str, side: str, user):
        return EconomicTie.objects.create(
            old_region=region[old],
            partner_region=region[partner],
            kind="trade",
            strength=3,
            description=f"{side}侧经济联系",
            entered_by=user,
        )

    return {
        "inside_tie": tie("411500", "320500", "信阳", editor),
        "outside_tie": tie("610600", "320200", "延安", stranger),
    }
