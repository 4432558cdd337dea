"""Two moderators approving the same message at the same moment (committed transactions, a thread and a database
connection each): one wins, the other is told on the list page; never a server error, never a double decision. The
test carries no ``django_db`` mark (see ``committed_db``)."""

from django.contrib.messages import get_messages

from duikou import testing
from duikou.publication import feedback
from duikou.publication.feedback import services
from duikou.publication.models import Feedback


def test_two_moderators_approving_at_once_one_wins_the_other_is_told(committed_db):
    pairing = testing.pairing("信阳市", "苏州市")
    moderators = [
        testing.user("race_xy", "信阳市人民政府", "approver"),
        testing.user("race_henan", "河南省人民政府", "approver"),
    ]
    item = services.post_feedback(
        subject=feedback.resolve("pairing", pairing.pk), body="两人同时审核的留言", language="zh-hans"
    )

    def prepare(i: int):
        client = testing.logged_in(moderators[i])
        url = f"/publication/feedback/{item.pk}/show"
        return lambda: (client.post(url, {"version": item.version, "reply": f"答复{i}"}), client)

    results = testing.race(prepare, n=2)
    assert not [r for r in results if isinstance(r, BaseException)], results
    assert [response.status_code for response, _client in results] == [302, 302]
    said = sorted(
        str(m) for response, client in results for m in get_messages(client.get(response["Location"]).wsgi_request)
    )
    assert len(said) == 2 and said[0].startswith("已公开") and "刚由他人处理过（现为「已公开」）" in said[1]
    item.refresh_from_db()
    assert (item.status, item.version) == ("shown", 2) and item.reply in ("答复0", "答复1")
    assert Feedback.objects.filter(pk=item.pk).count() == 1
