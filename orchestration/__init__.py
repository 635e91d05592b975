"""The orchestration room: Dagster definitions (assets, checks, jobs, schedule, sensor) and the
``csw`` command line that runs the same jobs on the same instance."""
