from ninja import Router

router = Router(tags=["markets-consumption"])
