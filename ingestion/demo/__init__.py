"""Synthetic demo partner feeds for the Lancashire community safety warehouse.

EVERYTHING THIS PACKAGE WRITES IS SYNTHETIC: made-up LSOAs, crimes, collisions and populations.
It is not real data and must never be reported as such. It exists so the whole pipeline (landing
-> raw -> dbt marts -> Board scorecard) can be demonstrated and tested end to end for the 14
Lancashire areas without partner files, and so tests can exercise the quirks real files have.

The default span is April 2019 to September 2025: six complete financial years (2019/20 to
2024/25) and half of the seventh, so the annual update has five complete years to trend even for
repeat-victim indicators, whose first year lacks its 12-month lookback. To keep the nightly job as
fast as it was with 3.5 years, the monthly feeds carry about half of a real force's volume a month
(police.uk ~6,000 rows, force extract ~5,500 crimes); yearly feeds (STATS19, populations) keep
realistic volumes.

The files copy the published formats exactly (headers, CRLF police files, DfT -1 codes, the STATS19
"accident_*" column names up to 2022, ONS lookup and population layouts) and reproduce known quirks:
ASB rows without Crime ID or outcome, "No Location" rows, out-of-county and Welsh LSOAs, repeated
Crime IDs, LSOA 2011 codes before 2023-07 and 2021 codes after, and five 2021 LSOA codes missing
from the 2021 lookup. Output is a pure function of the arguments: same seed and arguments give
byte-identical files. Generation is vectorised with numpy; loops run over months, areas and files
only.

For relative position the demo also writes seven comparator police forces (the default peer
forces: Cheshire, Derbyshire, Humberside, Kent, Nottinghamshire, South Yorkshire, Staffordshire;
three or four real districts and CSPs each, with synthetic LSOAs of ~1,500 residents): their
police.uk street files (``comparators``), and their LSOAs, IMD ranks, populations and district ->
CSP -> force area rows as rows after Lancashire's in the reference files (``reference``). Lancashire's files and rows are the same with or without them
(``write_demo_data(..., comparators=False)``): the comparators draw from random streams of their own.

One module per feed family (``police_street``, ``comparators``, ``reference``, ``stats19``,
``restricted``, ``fire``, ``survey``, ``fingertips``), each built on the shared ``geography`` module
and on no other generator; ``all_feeds.write_demo_data`` writes them all into one landing area.
"""

from ingestion.demo.all_feeds import write_demo_data
from ingestion.demo.geography import (AREAS, COMPARATOR_DISTRICTS, COMPARATOR_FORCES, DEMO_MONTHS,
                                      comparator_geography, demo_geography)

__all__ = ["AREAS", "COMPARATOR_DISTRICTS", "COMPARATOR_FORCES", "DEMO_MONTHS", "comparator_geography",
           "demo_geography", "write_demo_data"]
