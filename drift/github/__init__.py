"""The GitHub Action: everything drift knows about GitHub lives in this package.

:mod:`.settings` reads the Actions environment once, :mod:`.event` decides what to do for the
event (pure), :mod:`.api` is the REST client, :mod:`.comment` the sticky pull-request comment,
:mod:`.issues` the scheduled drift issue, :mod:`.runtime` the runner's outputs, summary and
workflow commands, and :mod:`.main` ties them together as ``drift ci`` (:func:`.main.run_ci`).
"""
