"""The Board's outputs: the Quarterly Performance Report, the Annual Performance and Priorities
Update and the scorecard workbook, built from the marts with disclosure control.

One module per job: ``periods`` (which quarter / year), ``disclosure`` (suppression), ``tables``
(reading the marts into the controlled tables every output shows), ``charts`` (inline SVG),
``html`` (Jinja2 templates), ``xlsx``, ``pdf`` and ``publish`` (check, then write, each output);
``expectations`` (the Great Expectations suites every output table passes before publication).
"""
