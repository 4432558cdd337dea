"""The command line's progress bar: the same ``progress(done, total, message)`` callback a background job
reports through (``core/jobs.py``), drawn by tqdm on the terminal, so the CLI shows the progress the page shows."""

from contextlib import contextmanager

from tqdm import tqdm


@contextmanager
def progress_bar(description: str, verbosity: int, *, unit: str = "行"):
    """A tqdm bar (none at ``--verbosity 0``) and the callback that moves it; a total may arrive late or change
    (one total per stage), a message shows beside the count."""
    bar = tqdm(total=0, unit=unit, desc=description, disable=verbosity == 0)

    def progress(done: int, total: int | None = None, message: str = "") -> None:
        if total is not None and total != bar.total:
            bar.total = total
        if message:
            bar.set_postfix_str(message, refresh=False)
        bar.update(done - bar.n)

    try:
        yield progress
    finally:
        bar.close()
