"""The schemas room: one Pandera schema per feed, the published row contract of that feed.

Schemas validate the canonical *text* of each row (what the partner sent, under our column
names), so a rule can say "unparseable date" as well as "date out of range", and the loader can
quarantine exactly the failing rows. Shared rule builders live in :mod:`schemas.rules`.
"""
