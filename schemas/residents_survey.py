"""Row contract of the residents' survey (one row per respondent per wave, as the Lancashire
Talking panel collects it).

Rules: ``required``; ``respondent_reference_format`` (judged before pseudonymisation);
``respondent_unique_in_wave`` (the second row of a respondent in one wave is quarantined);
``wave_format`` (``YYYY-MM``, or a financial quarter ``YYYY/YY Qn``: ``2024/25 Q1``,
``2024-25 q1`` and ``2024-25-Q1`` are the same wave); ``month_not_in_future`` (a wave that starts
after the run's month); ``district_known`` (one of the 14 districts and unitaries of the
``lancashire_areas`` seed, by ONS code or by name, any case); ``age_band_known``; ``sex_known``;
``weight_positive`` (a finite number above 0); ``answer_known`` (the published answer scales,
any case, "don't know" with or without the apostrophe).

The parsing expressions live here so that the rules and the feed's ``to_raw`` read a value the
same way: what a rule accepts is exactly what loads.
"""

from __future__ import annotations

import csv
import functools

import pandera.polars as pa
import polars as pl

from schemas import restricted, rules
from warehouse.settings import DBT_PROJECT_DIR

MONTH_WAVE = r"^(19|20)[0-9]{2}-(0[1-9]|1[0-2])$"
# 2024/25 Q1, 2024-25 Q1, 2024-25-Q1, 2024/25Q1 (upper-cased and trimmed first)
QUARTER_WAVE = r"^((19|20)[0-9]{2})[/-]([0-9]{2})[ -]?Q([1-4])$"

SAFETY = {"very safe": "very_safe", "fairly safe": "fairly_safe", "a bit unsafe": "a_bit_unsafe",
          "very unsafe": "very_unsafe", "dont know": "dont_know"}
AGREEMENT = {"strongly agree": "strongly_agree", "tend to agree": "tend_to_agree",
             "neither agree nor disagree": "neither", "neither": "neither", "tend to disagree": "tend_to_disagree",
             "strongly disagree": "strongly_disagree", "dont know": "dont_know"}
SAFE_ANSWERS = ("very_safe", "fairly_safe")
UNSAFE_ANSWERS = ("a_bit_unsafe", "very_unsafe")
AGREE_ANSWERS = ("strongly_agree", "tend_to_agree")
NOT_AGREE_ANSWERS = ("neither", "tend_to_disagree", "strongly_disagree")
ANSWER_COLUMNS = {"safe_day": SAFETY, "safe_after_dark": SAFETY, "agencies_deal": AGREEMENT}

AGE_BANDS = {"16-24": "16-24", "25-34": "25-34", "35-44": "35-44", "45-54": "45-54", "55-64": "55-64",
             "65-74": "65-74", "75+": "75+", "75andover": "75+", "unknown": "unknown",
             "prefernottosay": "unknown"}
SEXES = {"m": "M", "male": "M", "f": "F", "female": "F", "o": "O", "other": "O", "inanotherway": "O",
         "u": "U", "unknown": "U", "prefernottosay": "U"}


# Names partners write for a district besides the seed's (normalised: lower case, "&" as "and").
DISTRICT_ALIASES = {"blackburn and darwen": "E06000008", "blackburn": "E06000008"}


@functools.lru_cache(maxsize=1)
def districts() -> dict[str, str]:
    """Lower-case ONS code or normalised name -> ONS code, for the 14 districts and unitaries of
    the ``lancashire_areas`` seed (the one list of them)."""
    out: dict[str, str] = {}
    with (DBT_PROJECT_DIR / "seeds" / "lancashire_areas.csv").open(newline="", encoding="utf-8") as fh:
        for area in csv.DictReader(fh):
            if area["area_type"] in ("district", "unitary"):
                out[area["area_code"].lower()] = area["area_code"]
                out[_name_key(area["area_name"])] = area["area_code"]
    out.update({alias: code for alias, code in DISTRICT_ALIASES.items() if code in out.values()})
    return out


def _name_key(name: str) -> str:
    return " ".join(name.lower().replace("&", " and ").split())


def _words(c: pl.Expr) -> pl.Expr:
    """Lower case, curly apostrophes and apostrophes dropped, underscores as spaces, single spaces."""
    return (c.str.to_lowercase().str.replace_all("[’'`]", "").str.replace_all("_", " ")
            .str.replace_all(r"\s+", " ").str.strip_chars())


def _compact(c: pl.Expr) -> pl.Expr:
    """Lower case without blanks; en and em dashes as hyphens (``75 +`` = ``75+``, ``16–24`` = ``16-24``)."""
    return c.str.to_lowercase().str.replace_all(r"[\s_]", "").str.replace_all("[–—]", "-")


def _lookup(key: pl.Expr, mapping: dict[str, str]) -> pl.Expr:
    return key.replace_strict(mapping, default=None, return_dtype=pl.Utf8)


def answer_code(column: str | pl.Expr, scale: dict[str, str]) -> pl.Expr:
    """The canonical answer code (``very_safe``, ``tend_to_agree``, ``dont_know``, ...), null if unknown."""
    c = pl.col(column) if isinstance(column, str) else column
    return _lookup(_words(c), scale)


def age_band_code(column: str = "age_band") -> pl.Expr:
    return _lookup(_compact(pl.col(column)), AGE_BANDS)


def sex_code(column: str = "sex") -> pl.Expr:
    return _lookup(_compact(pl.col(column)), SEXES)


def district_code(column: str = "district") -> pl.Expr:
    """The district's ONS code, from its code or its name (any case, ``&`` = ``and``); null if unknown."""
    c = pl.col(column)
    by_code = _lookup(c.str.strip_chars().str.to_lowercase(), districts())
    by_name = _lookup(_words(c.str.replace_all("&", " and ")), districts())
    return pl.coalesce(by_code, by_name)


def weight_value(column: str = "weight") -> pl.Expr:
    return pl.col(column).str.strip_chars().cast(pl.Float64, strict=False)


def wave_parts(column: str = "wave") -> dict[str, pl.Expr]:
    """The wave's canonical key (``2024-05``, ``2024-25-Q1``), label (``2024-05``, ``2024/25 Q1``),
    kind (``month``, ``quarter``) and first and last months (``YYYY-MM``); all null when the wave
    is not written as either form (or the financial year's two halves do not follow each other)."""
    text = pl.col(column).str.strip_chars().str.to_uppercase()
    is_month = text.str.contains(MONTH_WAVE)
    year = text.str.extract(QUARTER_WAVE, 1).cast(pl.Int32, strict=False)
    second = text.str.extract(QUARTER_WAVE, 3).cast(pl.Int32, strict=False)
    q = text.str.extract(QUARTER_WAVE, 4).cast(pl.Int32, strict=False)
    is_quarter = year.is_not_null() & (second == (year + 1) % 100)
    # Q1 starts in April of the first year, Q4 in January of the second.
    start_year = year + pl.when(q == 4).then(1).otherwise(0)
    start_month = pl.when(q == 4).then(1).otherwise(q * 3 + 1)
    q_start = pl.date(start_year, start_month, 1)
    month_start = pl.concat_str([text, pl.lit("-01")]).str.strptime(pl.Date, "%Y-%m-%d", strict=False)
    start = pl.when(is_month).then(month_start).when(is_quarter).then(q_start)
    end = pl.when(is_month).then(month_start).when(is_quarter).then(q_start.dt.offset_by("2mo"))
    fy = pl.concat_str([year.cast(pl.Utf8), pl.lit("/"), second.cast(pl.Utf8).str.zfill(2)])
    label = pl.when(is_month).then(text).when(is_quarter).then(pl.concat_str([fy, pl.lit(" Q"), q.cast(pl.Utf8)]))
    key = (pl.when(is_month).then(text).when(is_quarter)
           .then(pl.concat_str([year.cast(pl.Utf8), pl.lit("-"), second.cast(pl.Utf8).str.zfill(2), pl.lit("-Q"),
                                q.cast(pl.Utf8)])))
    kind = pl.when(is_month).then(pl.lit("month")).when(is_quarter).then(pl.lit("quarter"))
    return {"key": key, "label": label, "kind": kind, "start": start, "end": end}


def _wave_not_in_future() -> pa.Check:
    """``month_not_in_future`` for waves: the run's month is read when the rule runs."""
    from ingestion import row_rules  # the run's date, one clock for every feed (tests move it)

    def expr(c: pl.Expr) -> pl.Expr:
        now = row_rules.today()
        start = wave_parts("wave")["start"]
        return start.is_null() | (start.dt.strftime("%Y-%m") <= f"{now.year:04d}-{now.month:02d}")

    return rules._expr_check(expr, "month_not_in_future", "the wave must not start after the run's month")


def _known(expr_fn, name: str, error: str) -> pa.Check:
    return rules._expr_check(expr_fn, name, error)


SCHEMA = pa.DataFrameSchema(
    name="residents_survey",
    columns={
        "respondent_reference": rules.text_column(
            rules.column_check(
                pl.col("_respondent_reference_ok") == "1", "respondent_reference_format",
                "reference must be 3-40 letters, digits or / - _ . (not a number in scientific notation)",
            ),
            rules.column_check(
                pl.struct(pl.col("respondent_reference"), wave_parts("wave")["key"]).is_first_distinct(),
                "respondent_unique_in_wave", "the same respondent appears on an earlier row of the wave",
            ),
            required_=True,
        ),
        "wave": rules.text_column(
            _known(lambda c: wave_parts("wave")["key"].is_not_null(), "wave_format",
                   "wave must be a month YYYY-MM or a financial quarter like 2024/25 Q1"),
            _wave_not_in_future(),
            required_=True,
        ),
        "district": rules.text_column(
            _known(lambda c: district_code("district").is_not_null(), "district_known",
                   "district must be one of the 14 districts and unitaries, by ONS code or name"),
            required_=True,
        ),
        "age_band": rules.text_column(
            _known(lambda c: age_band_code("age_band").is_not_null(), "age_band_known",
                   "age band must be one of 16-24, 25-34, 35-44, 45-54, 55-64, 65-74, 75+, Unknown"),
        ),
        "sex": rules.text_column(
            _known(lambda c: sex_code("sex").is_not_null(), "sex_known",
                   "sex must be M, F, Other or Unknown (or Male, Female, In another way, Prefer not to say)"),
        ),
        "weight": rules.text_column(
            _known(lambda c: (weight_value("weight") > 0) & weight_value("weight").is_finite(), "weight_positive",
                   "survey weight must be a number above 0"),
            required_=True,
        ),
        **{
            column: rules.text_column(
                _known(functools.partial(lambda c, col, scale: answer_code(col, scale).is_not_null(),
                                         col=column, scale=scale),
                       "answer_known", "answer must be one of the question's published answers or don't know"),
            )
            for column, scale in ANSWER_COLUMNS.items()
        },
        **restricted.helper("_respondent_reference_ok"),
    },
    strict=False,
)
