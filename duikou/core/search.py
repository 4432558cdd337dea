"""Chinese (and English) search words: a query cut with jieba in search mode, the one tokenizer of the platform (the
policy library's clause search and the public site's search both use it)."""

import re

import jieba

jieba.setLogLevel(60)
_WORD = re.compile(r"\w", re.UNICODE)


def terms(query: str) -> list[str]:
    """Segment a query with jieba (search mode), dropping punctuation and repeated words, in the order they come."""
    seen: list[str] = []
    for word in jieba.cut_for_search(query.strip()):
        word = word.strip()
        if word and _WORD.search(word) and word not in seen:
            seen.append(word)
    return seen


def longest(words: list[str]) -> list[str]:
    """The words not inside another of them: search mode gives 中心城市 and also 中心 and 城市; match the longest."""
    return [w for w in words if not any(w != o and w in o for o in words)]
