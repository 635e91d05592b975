"""The ingestion room: find landed files, read them as their feed, validate every row against the
feed's Pandera schema, load the good rows into ``raw``, quarantine the bad ones, reject broken files,
and account for every row in ``meta``."""
