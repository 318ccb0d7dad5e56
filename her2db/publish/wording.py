"""Generated phrases that read as written English: an arm's name after "vs" in lower case
where it is an ordinary word (vs placebo + trastuzumab, but vs THP), and a headline statistic
of an endpoint that has no abbreviation said as a phrase ("probability of proceeding to the
next line at 60 months", not "60-month Proceeding to the next line probability")."""

from __future__ import annotations

from typing import Any

from ..model.numbers import plain


def mid_sentence(label: str) -> str:
    """``label`` as it reads inside a sentence: a capitalised ordinary first word (Placebo,
    Trastuzumab, Recurrent) in lower case; acronyms and names with capitals inside (THP,
    T-DXd) as they are."""
    word = label.split(" ", 1)[0]
    if len(word) > 1 and word[0].isupper() and word[1:].isalpha() and word[1:].islower():
        return label[0].lower() + label[1:]
    return label


def statistic_of(row: dict[str, Any]) -> str:
    """A statistic of an endpoint that has no abbreviation, as a phrase: "Probability of
    proceeding to the next line at 60 months", "Median treatment duration"."""
    stat = row.get("statistic") or ""
    label = mid_sentence(row["endpoint_label"])
    text = f"{stat} of {label}" if stat not in ("", "proportion") else label
    if row.get("timepoint_months") is not None:
        text += f" at {plain(row['timepoint_months'])} months"
    return text[:1].upper() + text[1:]
