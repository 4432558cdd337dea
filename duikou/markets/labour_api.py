from ninja import Router

router = Router(tags=["markets-labour"])
