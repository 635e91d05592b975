"""What ``csw run`` tells the data team: progress while the night runs, then what it did.

The whole Dagster log (every event at DEBUG, dbt's output, warnings) goes to a file
(:func:`cli.runner.logging_to_file`); the terminal gets this instead:

* :class:`Progress`: one line per phase of the night (intake, row-accounting checks, dbt build,
  Great Expectations checks, each output, publish) with its time; on a terminal a live spinner
  shows the phase under way. Fed by the run's own events as Dagster stores them
  (``DagsterInstance.add_event_listener``). Without a terminal (cron, CI) plain lines, no control codes.
* :func:`summarise` reads the run's events into a :class:`RunSummary`: each feed's files loaded /
  rejected / held / ignored and rows read / loaded / quarantined (the ``feeds`` metadata of
  ``meta/source_files``, written by ``nightly_intake``), dbt models and tests (the dbt step's
  materialisations, asset checks and observations), the other checks, outputs written (their asset
  metadata), and whether ``published/warehouse`` published, or why not.
* :func:`render` prints it; :func:`exit_code` is what the command returns (:data:`EXIT_CODES`).
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.live import Live
from rich.markup import escape
from rich.spinner import Spinner
from rich.text import Text

EXIT_PUBLISHED = 0
EXIT_NOT_PUBLISHED = 1
EXIT_COULD_NOT_RUN = 2
EXIT_CODES = {
    EXIT_PUBLISHED: "the night ran and published the warehouse and its outputs",
    EXIT_NOT_PUBLISHED: "the night ran but did not publish: a step or a blocking check failed "
                        "(the previous warehouse and outputs stay in place)",
    EXIT_COULD_NOT_RUN: "the night could not run: no landing data, invalid settings, a missing "
                        "pseudonymisation key, another build in progress, or an error before any step ran",
}

DBT_STEP = "warehouse_models"
INTAKE_STEP = "nightly_intake"
PUBLISH_STEP = "published__warehouse"
OUTPUT_NAMES = {"data_quality_csv": "data-quality CSVs"}
# Errors that mean the night could not run at all, whichever step met them.
COULD_NOT_RUN_ERRORS = {"PseudonymisationKeyMissing"}


def phase_of(step_key: str) -> str:
    """The phase a step belongs to, as the data team names it."""
    if step_key == INTAKE_STEP:
        return "intake: landed files loaded and validated"
    if step_key.startswith("raw__") and step_key.endswith("_row_accounting"):
        return "row accounting checks"
    if step_key.startswith("raw__"):
        return "feed partitions loaded"
    if step_key == DBT_STEP:
        return "dbt build: seeds, models and tests"
    if step_key.endswith("_great_expectations"):
        return "Great Expectations checks of the marts"
    if step_key == PUBLISH_STEP:
        return "publish"
    if step_key.startswith("outputs__"):
        return "output: " + output_name(step_key.removeprefix("outputs__"))
    return step_key


def step_order(step_key: str) -> tuple[int, str]:
    """Steps in the order of the night: intake, checks, dbt, mart checks, outputs, publish."""
    if step_key == INTAKE_STEP or (step_key.startswith("raw__") and not step_key.endswith("_row_accounting")):
        rank = 0
    elif step_key.startswith("raw__"):
        rank = 1
    elif step_key == DBT_STEP:
        rank = 2
    elif step_key.endswith("_great_expectations"):
        rank = 3
    elif step_key == PUBLISH_STEP:
        rank = 5
    else:
        rank = 4
    return rank, step_key


def output_name(asset: str) -> str:
    """``data_quality_csv`` -> ``data-quality CSVs``: an output asset as the data team names it."""
    return OUTPUT_NAMES.get(asset, asset.replace("_", " "))


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes} min {secs:02d} s"


class Progress:
    """Prints one line per phase as the run goes; a live spinner line on a terminal.

    Call it with every event log entry of the run (it is an ``add_event_listener`` callback), and
    :meth:`close` when the run has returned.
    """

    def __init__(self, console: Console) -> None:
        self.console = console
        # A spinner only on a real terminal (FORCE_COLOR in a CI log must not bring control codes).
        isatty = getattr(console.file, "isatty", None)
        self.live = bool(isatty and isatty()) and not console.is_dumb_terminal
        self._display: Live | None = None
        self._ticker: _Ticker | None = None
        self.events: list[Any] = []  # every Dagster event of the run, as stored (for summarise)
        self._phase: str | None = None
        self._started = 0.0
        self._failed = False
        self._steps = 0

    def __call__(self, entry: Any) -> None:
        try:
            self._on_event(entry)
        except Exception:  # noqa: BLE001 -- a display problem must never stop the night
            self.live = False

    def _on_event(self, entry: Any) -> None:
        event = getattr(entry, "dagster_event", None)
        if event is not None:
            self.events.append(event)
        if event is None or not event.step_key:
            return
        kind = event.event_type_value
        if kind == "STEP_START":
            phase = phase_of(event.step_key)
            if phase != self._phase:
                self._finish()
                self._start(phase)
            self._steps += 1
        elif kind == "STEP_FAILURE" or (kind == "ASSET_CHECK_EVALUATION" and _blocks(event.event_specific_data)):
            self._failed = True
        elif kind == "STEP_UP_FOR_RETRY":
            self._note("waiting: another build holds the warehouse (retrying every 30 s)")

    def _start(self, phase: str) -> None:
        self._phase, self._started, self._failed, self._steps = phase, time.monotonic(), False, 0
        if self.live:
            self._ticker = _Ticker(phase)
            self._display = Live(self._ticker, console=self.console, transient=True, redirect_stdout=False,
                                 redirect_stderr=False, refresh_per_second=8)
            self._display.start()

    def _note(self, text: str) -> None:
        if self._display is not None:
            self._ticker.note = text
        else:
            self.console.print(f"  ...     {self._phase}: {text}", markup=False, highlight=False)

    def _finish(self) -> None:
        if self._phase is None:
            return
        if self._display is not None:
            self._display.stop()
            self._display = None
        took = _duration(time.monotonic() - self._started)
        steps = f" ({self._steps} steps)" if self._steps > 1 else ""
        if self.live:
            mark = "[red]✗[/red]" if self._failed else "[green]✓[/green]"
            self.console.print(f"  {mark} {escape(self._phase + steps):<58} [dim]{took:>10}[/dim]", highlight=False)
        else:
            mark = "FAILED" if self._failed else "ok"
            self.console.print(f"  {mark:<7} {self._phase + steps:<58} {took:>10}", markup=False, highlight=False)
        self._phase = None

    def close(self) -> None:
        self._finish()


class _Ticker:
    """The live line: a spinner, the phase, its time so far (rendered afresh at every refresh)."""

    def __init__(self, phase: str) -> None:
        self.phase, self.note, self.started = phase, "", time.monotonic()
        self.spinner = Spinner("dots")

    def __rich__(self) -> Spinner:
        note = f" ({self.note})" if self.note else ""
        self.spinner.update(text=Text(f"{self.phase} ... {_duration(time.monotonic() - self.started)}{note}"))
        return self.spinner


# --- the summary -----------------------------------------------------------------------------------

@dataclass
class FeedResult:
    files: int = 0
    loaded: int = 0
    rejected: int = 0
    held: int = 0
    ignored: int = 0
    superseded: int = 0
    with_quarantined_rows: int = 0
    rows_read: int = 0
    rows_loaded: int = 0
    rows_quarantined: int = 0
    refused: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Output:
    name: str  # the asset, e.g. "quarterly_report"
    period: str | None
    files: list[Path]


@dataclass
class RunSummary:
    run_id: str
    seconds: float = 0.0
    log_path: Path | None = None
    could_not_run: str | None = None  # set when the night could not run (exit 2)
    intake_done: bool = False
    feeds: dict[str, FeedResult] = field(default_factory=dict)
    dbt_ran: bool = False
    models_built: int = 0
    seeds_built: int = 0
    dbt_not_built: list[str] = field(default_factory=list)  # planned dbt assets not materialised
    tests_passed: int = 0
    tests_warned: list[str] = field(default_factory=list)
    tests_failed: list[str] = field(default_factory=list)
    checks_passed: int = 0  # the other asset checks: row accounting, Great Expectations
    checks_failed: list[str] = field(default_factory=list)
    checks_warned: list[str] = field(default_factory=list)  # failed checks of WARN severity
    failed_steps: list[tuple[str, str]] = field(default_factory=list)  # (step, why)
    skipped_steps: list[str] = field(default_factory=list)
    outputs: list[Output] = field(default_factory=list)
    published: bool = False
    warehouse: Path | None = None
    warehouse_bytes: int | None = None

    @property
    def not_published_because(self) -> list[str]:
        reasons = [f"step {step} failed: {why}" for step, why in self.failed_steps if step != PUBLISH_STEP]
        reasons += [f"dbt test failed: {name}" for name in self.tests_failed]
        reasons += [f"check failed: {name}" for name in self.checks_failed]
        publish = [why for step, why in self.failed_steps if step == PUBLISH_STEP]
        if publish and not reasons:
            reasons.append(f"the publish step failed: {' '.join(publish[0].splitlines())}")
        if not reasons and not self.published:
            reasons.append("the publish step did not run")
        return reasons


def _value(metadata: dict[str, Any], key: str) -> Any:
    entry = metadata.get(key)
    return getattr(entry, "value", entry)


def _blocks(check: Any) -> bool:
    """A failed check of ERROR severity (a failed WARN check stops the publish only when
    ``[publish] block_on_warnings`` says so; the publish step's own message then names it)."""
    severity = getattr(getattr(check, "severity", None), "value", "ERROR")
    return not check.passed and severity == "ERROR"


def _innermost(error: Any) -> Any:
    while getattr(error, "cause", None) is not None:
        error = error.cause
    return error


def error_text(error: Any, limit: int = 400) -> str:
    """The useful part of a step's error: the innermost cause's message, its class name dropped."""
    inner = _innermost(error)
    text = (inner.message or "").strip()
    head, sep, rest = text.partition(": ")
    if sep and inner.cls_name and head.rsplit(".", 1)[-1] == inner.cls_name:
        text = rest.strip()
    if len(text) > limit:
        text = text[:limit].rstrip() + " ..."
    return text


def _error_classes(error: Any) -> set[str]:
    names = set()
    while error is not None:
        if error.cls_name:
            names.add(error.cls_name)
        error = error.cause
    return names


def _test_name(unique_id: str) -> str:
    # test.community_safety.not_null_code_lists_label.5f1ec2c09f -> not_null_code_lists_label
    parts = unique_id.split(".")
    return parts[2] if len(parts) > 2 else unique_id


def summarise(events: Iterable[Any], run_id: str, seconds: float = 0.0,
              log_path: Path | None = None) -> RunSummary:
    """A :class:`RunSummary` from the run's ``DagsterEvent`` s as stored (:attr:`Progress.events`; the
    result's ``all_events`` lack the planned events, so steps that never ran are not named)."""
    summary = RunSummary(run_id=run_id, seconds=seconds, log_path=log_path)
    planned_dbt: set[str] = set()
    built_dbt: set[str] = set()
    tests: dict[str, str] = {}  # dbt test -> worst status seen
    started: set[str] = set()
    planned_steps: set[str] = set()
    for event in events:
        kind = event.event_type_value
        data = event.event_specific_data
        step = event.step_key or ""
        if kind == "STEP_START":
            started.add(step)
        elif kind == "STEP_FAILURE":
            summary.failed_steps.append((step, error_text(data.error)))
            if _error_classes(data.error) & COULD_NOT_RUN_ERRORS:
                summary.could_not_run = error_text(data.error)
        elif kind == "STEP_SKIPPED":
            summary.skipped_steps.append(step)
        elif kind in ("ASSET_MATERIALIZATION_PLANNED", "ASSET_CHECK_EVALUATION_PLANNED"):
            planned_steps.add(step)
            if kind == "ASSET_MATERIALIZATION_PLANNED" and step == DBT_STEP:
                planned_dbt.add(data.asset_key.to_user_string())
        elif kind == "ASSET_MATERIALIZATION":
            _materialised(summary, step, data.materialization, built_dbt)
        elif kind in ("ASSET_CHECK_EVALUATION", "ASSET_OBSERVATION") and step == DBT_STEP:
            metadata = dict(data.metadata if kind == "ASSET_CHECK_EVALUATION" else data.asset_observation.metadata)
            unique_id = str(_value(metadata, "unique_id") or "")
            if not unique_id.startswith("test."):
                continue
            status = str(_value(metadata, "status") or "")
            if kind == "ASSET_CHECK_EVALUATION" and not data.passed and status in ("", "pass"):
                status = "fail"
            order = ("pass", "warn", "fail", "error")
            if status in order and order.index(status) >= order.index(tests.get(unique_id, "pass")):
                tests[unique_id] = status
        elif kind == "ASSET_CHECK_EVALUATION":
            name = f"{data.asset_key.to_user_string()}:{data.check_name}"
            name += f" ({data.description})" if data.description else ""
            if data.passed:
                summary.checks_passed += 1
            elif _blocks(data):
                summary.checks_failed.append(name)
            else:
                summary.checks_warned.append(name)
    # Steps planned but never started: downstream of a failure (Dagster only logs "Not executing").
    summary.skipped_steps = sorted((planned_steps - started - {""}) | set(summary.skipped_steps), key=step_order)
    summary.dbt_ran = DBT_STEP in started
    summary.dbt_not_built = sorted(planned_dbt - built_dbt) if summary.dbt_ran else []
    summary.tests_passed = sum(s == "pass" for s in tests.values())
    summary.tests_warned = sorted(_test_name(u) for u, s in tests.items() if s == "warn")
    summary.tests_failed = sorted(_test_name(u) for u, s in tests.items() if s in ("fail", "error"))
    if not started and summary.could_not_run is None and not summary.published:
        summary.could_not_run = "no step of the run started (see the log)"
    return summary


def _materialised(summary: RunSummary, step: str, materialization: Any, built_dbt: set[str]) -> None:
    key = materialization.asset_key.to_user_string()
    metadata = dict(materialization.metadata)
    if step == INTAKE_STEP and key == "meta/source_files":
        summary.intake_done = True
        feeds = _value(metadata, "feeds") or {}
        summary.feeds = {name: FeedResult(**{k: v for k, v in counts.items() if k in FeedResult.__dataclass_fields__})
                         for name, counts in feeds.items()}
    elif step == DBT_STEP:
        built_dbt.add(key)
        unique_id = str(_value(metadata, "unique_id") or "")
        if unique_id.startswith("seed."):
            summary.seeds_built += 1
        else:
            summary.models_built += 1
    elif step == PUBLISH_STEP:
        summary.published = True
        summary.warehouse = Path(str(_value(metadata, "path")))
        summary.warehouse_bytes = _value(metadata, "bytes")
    elif key.startswith("outputs/"):
        paths = _value(metadata, "paths")
        if paths is None and _value(metadata, "path") is not None:
            paths = [str(_value(metadata, "path"))]
        period = _value(metadata, "period")
        summary.outputs.append(Output(key.removeprefix("outputs/"), str(period) if period else None,
                                      [Path(p) for p in paths or []]))


# --- printing ----------------------------------------------------------------------------------------

OUTPUT_LABELS = {  # file suffix -> label, per output (the labels the data team knows)
    "quarterly_report": {".html": "quarterly report", ".xlsx": "scorecard workbook", ".csv": "scorecard CSV"},
    "annual_update": {".html": "annual update (HTML)", ".pdf": "annual update"},
    "dashboard": {".html": "performance dashboard"},
}


def _n(value: int) -> str:
    return f"{value:,}"


def feed_lines(feeds: dict[str, FeedResult]) -> list[str]:
    """The per-feed table as plain lines (never truncated, whatever the width of the terminal)."""
    header = ("feed", "loaded", "rejected", "held", "ignored", "rows read", "rows loaded", "quarantined")
    rows = []
    for name, feed in sorted(feeds.items()):
        quarantined = _n(feed.rows_quarantined)
        if feed.rows_quarantined:
            quarantined += f" ({feed.with_quarantined_rows} file{'s' if feed.with_quarantined_rows != 1 else ''})"
        rows.append((name, _n(feed.loaded), _n(feed.rejected), _n(feed.held), _n(feed.ignored),
                     _n(feed.rows_read), _n(feed.rows_loaded), quarantined))
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    return ["  " + "  ".join(cell.ljust(widths[0]) if i == 0 else cell.rjust(widths[i])
                             for i, cell in enumerate(row)).rstrip() for row in [header, *rows]]


def render(summary: RunSummary, console: Console, err_console: Console) -> None:
    """Print the summary of a run that started: what it did on ``console``, and, if it did not
    publish, the reasons on ``err_console`` (the stderr a cron job mails)."""
    def say(text: str = "", style: str | None = None) -> None:
        console.print(text, markup=False, highlight=False, style=style, soft_wrap=True)

    say()
    if summary.intake_done:
        files = sum(f.files for f in summary.feeds.values())
        say(f"Feeds: {files} new file{'s' if files != 1 else ''} this night"
            + (" (files loaded / rejected / held / ignored; rows read / loaded / quarantined)" if files else ""),
            style="bold")
        if files:
            for line in feed_lines(summary.feeds):
                say(line)
        else:
            say("  no new file in the landing area: the night rebuilt from the files loaded before")
        for name, feed in sorted(summary.feeds.items()):
            if feed.superseded:
                say(f"  {name}: {feed.superseded} earlier file(s) superseded by a resubmission")
            for refused in feed.refused:
                say(f"  {name} {refused['status']}: {refused['file']}: {refused['reason']}")
        if any(f.held for f in summary.feeds.values()):
            say("  held files stay out until applied on purpose: `csw accept FEED FILE` (see `csw status`)")
    else:
        say("Feeds: the intake did not finish (see the log)", style="bold")

    if summary.dbt_ran:
        line = (f"dbt: {summary.models_built} models and {summary.seeds_built} seeds built, "
                f"{summary.tests_passed} tests passed, {len(summary.tests_failed)} failed")
        if summary.tests_warned:
            line += f", {len(summary.tests_warned)} warned"
        say(line, style="bold")
        if summary.dbt_not_built:
            shown = ", ".join(summary.dbt_not_built[:8]) + (" ..." if len(summary.dbt_not_built) > 8 else "")
            say(f"  not built (failed, or skipped after a failure): {len(summary.dbt_not_built)}: {shown}")
        for name in summary.tests_failed[:10]:
            say(f"  failed: {name}")
        for name in summary.tests_warned[:10]:
            say(f"  warned: {name}")
    else:
        say("dbt: did not run", style="bold")
    warned = f", {len(summary.checks_warned)} warned" if summary.checks_warned else ""
    say(f"Checks: {summary.checks_passed} passed, {len(summary.checks_failed)} failed{warned} "
        "(row accounting, Great Expectations)", style="bold")
    for name in summary.checks_failed:
        say(f"  failed: {name}")
    for name in summary.checks_warned:
        say(f"  warned: {name}")

    if not summary.outputs:
        say("Outputs: none written", style="bold")
    else:
        say("Outputs:" if summary.published else "Outputs written (not published: discarded with the build):",
            style="bold")
    for output in summary.outputs:
        labels = OUTPUT_LABELS.get(output.name)
        if labels is None:
            where = output.files[0].parent if output.files else None
            say(f"  {output_name(output.name)}: {len(output.files)} files" + (f" in {where}" if where else ""))
            continue
        if not output.files:
            why = (output.period or "nothing to build").removeprefix("none: ")
            say(f"  {output_name(output.name)}: none ({why})")
        for path in output.files:
            label = labels.get(path.suffix, output.name)
            say(f"  {label}: {path}" + (f"  ({output.period})" if output.period and path.suffix == ".html" else ""))

    if summary.skipped_steps:
        phases = list(dict.fromkeys(phase_of(step) for step in summary.skipped_steps))
        say(f"Not run (after a failure): {len(summary.skipped_steps)} steps: {'; '.join(phases)}")
    if summary.published:
        size = f" ({summary.warehouse_bytes / 1e6:.1f} MB)" if summary.warehouse_bytes else ""
        say(f"PUBLISHED: warehouse: {summary.warehouse}{size}", style="bold green")
        say(f"  open read-only: duckdb -readonly {summary.warehouse}")
    say(f"Total time: {_duration(summary.seconds)}. Run {summary.run_id}.")
    if summary.log_path:
        say(f"Full log: {summary.log_path}")
    if summary.could_not_run is not None:
        render_could_not_run(summary.could_not_run, err_console)
    elif not summary.published:
        _err(err_console, "NOT PUBLISHED: the previous warehouse and outputs stay in place, because:", "bold red")
        for reason in summary.not_published_because:
            _err(err_console, f"  - {reason}")


def _err(console: Console, text: str, style: str | None = None) -> None:
    console.print(text, markup=False, highlight=False, style=style, soft_wrap=True)


def render_could_not_run(reason: str, err_console: Console) -> None:
    """The one line of a night that could not run (on stderr)."""
    _err(err_console, f"COULD NOT RUN: {reason}", "bold red")


def exit_code(summary: RunSummary) -> int:
    if summary.could_not_run is not None:
        return EXIT_COULD_NOT_RUN
    return EXIT_PUBLISHED if summary.published else EXIT_NOT_PUBLISHED
