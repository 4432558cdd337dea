"""Supervision of published evaluation runs (2022 方案 四(四)): commendations and rectification notices followed to
closure. A part of the evaluation app with the app's own shape: ``services`` (writes and steps), ``queries``
(scoped reads), ``workflow`` (the notice's step table), ``forms``, ``views``, ``urls`` (in the ``evaluation``
namespace) and ``api`` (``/api/supervision/``). Its models, migrations and templates are the app's
(``evaluation/models.py``, ``templates/evaluation/supervision/``).
"""
