"""Write a synthetic corpus shaped like the real ``db/``, for benchmarks and scale tests.

    python scripts/synth.py --studies 1000 --seed 1 OUTDIR
    python scripts/synth.py --studies 1000 --seed 1 --warning-per-file OUTDIR

Each study is drawn from a profile seen in the real corpus: randomized trials with two or three
arms, analyses, populations, subgroups, endpoint definitions and subgroup hazard ratios (one in
twenty AE-heavy like DESTINY-Breast09, with about a hundred adverse-event rows); single-arm
trials; real-world cohorts with treatment patterns and attrition broken down by reason; planned
trials with no results; and many sparse studies. Numbers are printed text as a source prints
them (``"0.70"``, ``29.0``), each record has ``source_id`` and ``locator``, many a ``cites``
and a verbatim ``quote`` that prints the record's numbers, so the corpus validates with no error
and no warning. ``--warning-per-file`` gives one characteristic in every study a percentage that
disagrees with its n/denominator: one warning per file, with nothing else changed.

Nothing here is evidence: study ids start with ``synthetic-``, sources with ``synth-``. The same
``--studies`` and ``--seed`` always write the same bytes.
"""

from __future__ import annotations

import argparse
import math
import random
import shutil
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
REVIEW = "synth-review"

AE_TERMS = ["nausea", "vomiting", "diarrhea", "constipation", "decreased appetite", "weight decreased",
            "hypokalemia", "neutropenia", "febrile neutropenia", "leukopenia", "anemia",
            "thrombocytopenia", "fatigue", "alopecia", "alanine aminotransferase increased",
            "aspartate aminotransferase increased", "peripheral sensory neuropathy", "arthralgia",
            "interstitial lung disease/pneumonitis", "dyspnea"]
AE_CATEGORIES = ["teae", "treatment-related", "serious", "leading to discontinuation",
                 "leading to dose reduction", "leading to interruption"]
SUBGROUPS = [  # category, levels (each a key suffix and a label)
    ("hormone receptor status", [("hr-pos", "HR-positive"), ("hr-neg", "HR-negative")]),
    ("disease presentation", [("de-novo", "newly diagnosed (de novo)"), ("recurrent", "recurrent")]),
    ("PIK3CA status", [("pik3ca-mut", "PIK3CA mutation detected"), ("pik3ca-wt", "PIK3CA mutation not detected")]),
    ("prior anti-HER2 therapy", [("prior-yes", "prior anti-HER2 therapy"), ("prior-no", "no prior anti-HER2 therapy")]),
    ("brain metastases", [("bm-yes", "brain metastases at baseline"), ("bm-no", "no brain metastases")]),
    ("age", [("age-lt65", "younger than 65 years"), ("age-ge65", "65 years or older")]),
]
REGIMENS = [  # label, drugs
    ("T-DXd + pertuzumab", ["trastuzumab-deruxtecan", "pertuzumab"]),
    ("T-DXd", ["trastuzumab-deruxtecan"]),
    ("THP", ["taxane", "trastuzumab", "pertuzumab"]),
    ("T-DM1", ["trastuzumab-emtansine"]),
    ("tucatinib + trastuzumab + capecitabine", ["tucatinib", "trastuzumab", "capecitabine"]),
    ("neratinib + capecitabine", ["neratinib", "capecitabine"]),
    ("lapatinib + capecitabine", ["lapatinib", "capecitabine"]),
    ("pyrotinib + capecitabine", ["pyrotinib", "capecitabine"]),
    ("trastuzumab + pertuzumab + endocrine therapy", ["trastuzumab", "pertuzumab", "endocrine-therapy"]),
    ("palbociclib + trastuzumab + pertuzumab + endocrine therapy",
     ["palbociclib", "trastuzumab", "pertuzumab", "endocrine-therapy"]),
    ("trastuzumab + vinorelbine", ["trastuzumab", "vinorelbine"]),
    ("placebo + trastuzumab + capecitabine", ["placebo", "trastuzumab", "capecitabine"]),
]
COUNTRIES = ["France", "Germany", "Italy", "Spain", "United Kingdom", "United States", "Japan",
             "Switzerland", "Netherlands", "China", "Canada", "Australia"]
ATTRITION_REASONS = ["death", "end-of-life palliative care", "loss to follow-up", "patient choice",
                     "poor performance status", "other"]
FILLER = ("patients treated at participating centres were followed according to local practice "
         "with imaging every nine weeks and safety assessments at each cycle; the analysis "
         "population and its definitions follow the statistical analysis plan, and the curator "
         "recorded the numbers exactly as printed in the source")
WORDS = FILLER.split()
LOCATORS = ["text, efficacy paragraph", "text, design paragraph", "text, safety paragraph",
            "Table 1", "Table 2", "Figure 2", "Figure 3", "text, results section", "supplementary Table S4"]


def printed(value: float, decimals: int) -> str:
    """The printed text of ``value`` at ``decimals`` places (``"0.70"``, ``"29.0"``)."""
    return f"{value:.{decimals}f}"


def yaml_number(text: str) -> int | float | str:
    """How a curator writes a printed number: plain where YAML keeps the text (``29.0``,
    ``54``), quoted where it would not (``"0.70"``, ``"0.00001"``)."""
    if "." not in text:
        return int(text)
    number = float(text)
    return number if repr(number) == text else text


def sentence(rng: random.Random, words: int) -> str:
    start = rng.randrange(len(WORDS))
    picked = [WORDS[(start + i) % len(WORDS)] for i in range(words)]
    return " ".join(picked).capitalize() + "."


class StudyWriter:
    """Draws one study; ``rng`` calls are the same with or without the injected warning."""

    def __init__(self, index: int, rng: random.Random, warning: bool) -> None:
        self.index, self.rng, self.warning = index, rng, warning
        self.id = f"synthetic-{index:05d}"
        self.article = f"synth-{index:05d}-a"
        self.abstract = f"synth-{index:05d}-b"

    # --- provenance ------------------------------------------------------------------------

    def provenance(self, quote: str | None = None) -> dict[str, Any]:
        rng = self.rng
        out: dict[str, Any] = {"source_id": REVIEW if rng.random() < 0.8 else self.article,
                               "locator": rng.choice(LOCATORS)}
        if rng.random() < 0.6:
            out["cites"] = self.article if rng.random() < 0.8 else self.abstract
        if quote is not None and rng.random() < 0.7:
            out["quote"] = quote
        return out

    # --- parts ----------------------------------------------------------------------------

    def arms(self, kind: str) -> list[dict[str, Any]]:
        rng = self.rng
        if kind in ("single-arm trial",):
            count, roles = 1, ["cohort"]
        elif kind in ("registry", "retrospective cohort", "ambispective cohort"):
            count = 1 if rng.random() < 0.7 else 2
            roles = ["cohort"] * count
        else:
            count = 3 if rng.random() < 0.2 else 2
            roles = ["experimental"] * (count - 1) + ["control"]
        regimens = rng.sample(REGIMENS, count)
        arms = []
        for i, (role, (label, drugs)) in enumerate(zip(roles, regimens, strict=True)):
            n = rng.randint(40, 600) if role != "cohort" else rng.randint(150, 3000)
            treated = n - rng.randint(0, max(1, n // 50))
            quote = f"Patients were randomized to {label} (n={n})." if role != "cohort" else \
                f"A total of {n} patients received {label}."
            arm = {"key": f"arm{i + 1}", "label": label, "role": role, "drugs": drugs}
            if role != "cohort":
                arm["n_randomized"] = n
            arm["n_treated"] = treated
            if rng.random() < 0.4:
                arm["regimen"] = sentence(rng, rng.randint(8, 20))
            arm.update(self.provenance(quote))
            arms.append(arm)
        return arms

    def populations(self, arms: list[dict[str, Any]], real_world: bool) -> list[dict[str, Any]]:
        rng = self.rng
        total = sum(a.get("n_randomized", a["n_treated"]) for a in arms)
        populations = [{"key": "itt" if not real_world else "all",
                        "label": "Intention-to-treat population" if not real_world else "All included patients",
                        "n": total, "enrolled": True, "definition": sentence(rng, rng.randint(10, 25)),
                        **self.provenance(f"A total of {total} patients were included.")}]
        if rng.random() < 0.5:
            treated = sum(a["n_treated"] for a in arms)
            populations.append({"key": "safety", "label": "Safety analysis population", "n": treated,
                                "definition": "Patients who received at least one dose of study treatment.",
                                **self.provenance(f"The safety population comprised {treated} patients.")})
        return populations

    def analyses(self, count: int) -> list[dict[str, Any]]:
        rng = self.rng
        out = []
        follow_up = rng.uniform(8, 30)
        for i, label in enumerate(["primary", "interim", "final", "end-of-study"][:count]):
            months = printed(follow_up + 12 * i, 1)
            out.append({"key": label, "label": label, "median_follow_up_months": yaml_number(months),
                        "data_cutoff": f"20{rng.randint(15, 25)}-{rng.randint(1, 12):02d}",
                        **self.provenance(f"At a median follow-up of {months} months, the {label} "
                                          "analysis was performed.")})
        return out

    def subgroups(self, count: int, total: int) -> list[dict[str, Any]]:
        rng = self.rng
        out = []
        for category, levels in rng.sample(SUBGROUPS, min(len(SUBGROUPS), (count + 1) // 2)):
            share = rng.uniform(0.2, 0.8)
            for (key, label), part in zip(levels, (share, 1 - share), strict=True):
                if len(out) == count:
                    break
                record: dict[str, Any] = {"key": key, "category": category, "level": label}
                if rng.random() < 0.5:
                    record["n"] = max(1, int(total * part))
                out.append({**record, **self.provenance()})
        return out

    def endpoints(self, codes: list[str]) -> list[dict[str, Any]]:
        rng = self.rng
        out = []
        for i, code in enumerate(codes):
            record: dict[str, Any] = {"endpoint": code, "role": "primary" if i == 0 else "secondary"}
            if code in ("PFS", "CNS_PFS", "ORR") and rng.random() < 0.7:
                record["assessor"] = rng.choice(["BICR", "investigator"])
            if rng.random() < 0.6 or code == "ATTRITION":
                record["definition"] = (f"{code.replace('_', ' ').lower()}: " +
                                        sentence(rng, rng.randint(12, 30)))
            out.append({**record, **self.provenance(record.get("definition"))})
        return out

    def median(self, endpoint: str, arm: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
        rng = self.rng
        if rng.random() < 0.08:
            return {"endpoint": endpoint, "arm": arm["key"], "statistic": "median", "not_reached": True,
                    "unit": "months", **extra, **self.provenance(f"The median {endpoint} was not reached.")}
        value = rng.uniform(4, 60)
        text = printed(value, 1)
        record = {"endpoint": endpoint, "arm": arm["key"], "statistic": "median", "value": yaml_number(text),
                  "unit": "months", **extra}
        quote = f"The median {endpoint} with {arm['label']} was {text} months"
        if rng.random() < 0.5:
            low, high = printed(value * rng.uniform(0.7, 0.95), 1), printed(value * rng.uniform(1.05, 1.4), 1)
            record.update(ci_low=yaml_number(low), ci_high=yaml_number(high))
            quote += f" (95% CI {low}–{high})"
        return {**record, **self.provenance(quote + ".")}

    def proportion(self, endpoint: str, arm: dict[str, Any], denominator: int, extra: dict[str, Any],
                   low: float = 0.05, high: float = 0.85) -> dict[str, Any]:
        rng = self.rng
        n = max(1, int(denominator * rng.uniform(low, high)))
        text = printed(100 * n / denominator, 1)
        record = {"endpoint": endpoint, "arm": arm["key"], "statistic": "proportion", "value": yaml_number(text),
                  "unit": "%", "n": n, "denominator": denominator, **extra}
        return {**record, **self.provenance(f"{endpoint} was {text}% ({n}/{denominator}) with {arm['label']}.")}

    def rate(self, endpoint: str, arm: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
        rng = self.rng
        months = rng.choice([12, 24, 36, 60])
        text = printed(rng.uniform(20, 90), 1)
        return {"endpoint": endpoint, "arm": arm["key"], "statistic": "rate", "value": yaml_number(text),
                "unit": "%", "timepoint_months": float(months), **extra,
                **self.provenance(f"The {months}-month {endpoint} rate was {text}% with {arm['label']}.")}

    def hazard_ratio(self, endpoint: str, experimental: str, control: str,
                     subgroup: str | None, analysis: str | None) -> dict[str, Any]:
        """An HR with a CI symmetric on the log scale and a p-value that agrees with it."""
        rng = self.rng
        log_hr = rng.gauss(-0.35, 0.3)
        se = rng.uniform(0.08, 0.35)
        estimate = printed(math.exp(log_hr), 2)
        low, high = printed(math.exp(log_hr - 1.96 * se), 2), printed(math.exp(log_hr + 1.96 * se), 2)
        record: dict[str, Any] = {"endpoint": endpoint, "measure": "HR", "experimental": experimental,
                                  "control": control, "estimate": yaml_number(estimate),
                                  "ci_low": yaml_number(low), "ci_high": yaml_number(high)}
        if float(low) <= 0 or not float(low) <= float(estimate) <= float(high):
            record.pop("ci_low"), record.pop("ci_high")
            low = high = ""
        quote = f"HR {estimate}" + (f" (95% CI {low}–{high})" if low else "")
        if subgroup is None and low and rng.random() < 0.7:
            z = abs(log_hr) / se
            p = math.erfc(z / math.sqrt(2))
            if float(high) < 1 or float(low) > 1:
                if p < 0.001:
                    record.update(p_value=yaml_number("0.001"), p_operator="<")
                    quote += "; p<0.001"
                elif p < 0.045:
                    text = printed(p, 3)
                    record.update(p_value=yaml_number(text), p_operator="=")
                    quote += f"; p={text}"
            elif p > 0.06:
                text = printed(p, 2)
                record.update(p_value=yaml_number(text), p_operator="=")
                quote += f"; p={text}"
        if subgroup is not None:
            record["subgroup"] = subgroup
        if analysis is not None:
            record["analysis"] = analysis
        return {**record, **self.provenance(quote + ".")}

    def adverse_events(self, arms: list[dict[str, Any]], rows: int) -> list[dict[str, Any]]:
        rng = self.rng
        combos = [(term, category, grade) for term in AE_TERMS for category in AE_CATEGORIES[:2]
                  for grade in ("any", ">=3")]
        extra = [("any adverse event", category, grade) for category in AE_CATEGORIES
                 for grade in ("any", ">=3")]
        per_arm = max(1, rows // len(arms))
        chosen = rng.sample(extra, min(len(extra), per_arm // 6)) + rng.sample(combos, min(len(combos), per_arm))
        out = []
        for arm in arms:
            at_risk = arm["n_treated"]
            for term, category, grade in chosen[:per_arm]:
                n = rng.randint(0, at_risk // (2 if grade == "any" else 8))
                pct = printed(100 * n / at_risk, 1)
                record: dict[str, Any] = {"arm": arm["key"], "term": term, "category": category, "grade": grade,
                                          "n": n, "pct": yaml_number(pct), "n_at_risk": at_risk}
                out.append({**record, **self.provenance(f"{term} ({grade}): {n} ({pct}%)")})
        return out

    def characteristics(self, count: int, population: dict[str, Any]) -> list[dict[str, Any]]:
        """``count`` baseline characteristics; the first has n/denominator (and is where the
        injected warning goes)."""
        rng = self.rng
        total = population["n"]
        n = int(total * rng.uniform(0.3, 0.7))
        text = printed(100 * n / total, 1)
        shown_n = n + max(3, total // 20) if self.warning else n  # the injected disagreement
        out = [{"name": "HR-positive disease", "category": "hormone receptor status", "statistic": "proportion",
                "value": yaml_number(text), "unit": "%", "n": shown_n, "denominator": total,
                "population": population["key"],
                **self.provenance(f"{text}% of patients had HR-positive disease.")}]
        for i in range(count - 1):
            if i % 2 == 0:
                text = printed(rng.uniform(45, 62), 0)
                out.append({"name": f"median age ({i // 2 + 1})" if i else "median age", "statistic": "median",
                            "value": yaml_number(text), "unit": "years", "population": population["key"],
                            **self.provenance(f"The median age was {text} years.")})
            else:
                text = printed(rng.uniform(5, 70), 1)
                out.append({"name": f"de novo metastatic disease ({i})", "category": "disease presentation",
                            "statistic": "proportion", "value": yaml_number(text), "unit": "%",
                            "population": population["key"],
                            **self.provenance(f"{text}% had de novo metastatic disease.")})
        return out

    # --- profiles ---------------------------------------------------------------------------

    def study(self) -> dict[str, Any]:
        rng = self.rng
        heavy = self.index % 20 == 3  # one study in twenty is AE-heavy, like DESTINY-Breast09
        kind = "randomized trial" if heavy else rng.choices(
            ["randomized trial", "single-arm trial", "registry", "retrospective cohort", "ambispective cohort",
             "planned trial"], weights=[50, 12, 10, 16, 5, 7])[0]
        real_world = kind in ("registry", "retrospective cohort", "ambispective cohort")
        sparse = not heavy and rng.random() < 0.4
        study: dict[str, Any] = {
            "id": self.id, "acronym": f"SYNTH-{self.index}", "title": sentence(rng, rng.randint(10, 22)),
            "kind": kind, "setting": "metastatic",
            "line": rng.choice(["first line", "first-line maintenance", "second line or later", "any"]),
        }
        if kind.endswith("trial"):
            study["phase"] = rng.choice(["2", "3", "3", "3b"])
            study["registry_id"] = f"NCT{rng.randint(1_000_000, 9_999_999):08d}"
        else:
            study["countries"] = rng.sample(COUNTRIES, rng.randint(1, 5))
            study["period_start"], study["period_end"] = "2015", "2021"
        study["design"] = sentence(rng, rng.randint(20, 60))
        if rng.random() < 0.6:
            study["summary"] = sentence(rng, rng.randint(20, 60))
        study["notes"] = ("Synthetic study written by scripts/synth.py; not evidence. "
                          + sentence(rng, rng.randint(5, 80)))
        if rng.random() < 0.3:
            study["status"] = "ongoing"
            study["field_basis"] = {"status": {"basis": "curator", "note": sentence(rng, 12)}}
        study["references"] = [self.article] + ([self.abstract] if rng.random() < 0.3 else [])

        arms = self.arms(kind)
        populations = self.populations(arms, real_world)
        if kind == "planned trial":
            study.update(populations=populations, arms=arms, endpoints=self.endpoints(["PFS", "OS"]),
                         characteristics=self.characteristics(1, populations[0]))
            return study
        analyses = self.analyses(rng.choice([1, 1, 2, 3]) if not sparse else rng.choice([0, 1]))
        study["analyses"] = analyses
        study["populations"] = populations
        study["arms"] = arms
        analysis = analyses[-1]["key"] if analyses else None
        extra = {"analysis": analysis} if analysis else {}
        results: list[dict[str, Any]] = []
        comparisons: list[dict[str, Any]] = []
        characteristics = self.characteristics(1 if sparse else rng.randint(1, 8), populations[0])

        if real_world:
            codes = ["ATTRITION", "RW_PFS", "TREATMENT_PATTERN"][: 1 if sparse else 3]
            study["endpoints"] = self.endpoints(codes)
            arm = arms[0]
            total = arm["n_treated"]
            results.append(self.proportion("ATTRITION", arm, total, extra, 0.15, 0.45))
            lost = results[-1]["n"]
            remaining = 100.0
            for reason in rng.sample(ATTRITION_REASONS, rng.randint(2, 5)):  # parts of at most 100%
                share = printed(rng.uniform(0.1, 0.45) * remaining, 1)
                remaining -= float(share)
                results.append({"endpoint": "ATTRITION_REASON", "arm": arm["key"], "category": reason,
                                "breakdown": "reasons for attrition", "statistic": "proportion",
                                "value": yaml_number(share), "unit": "%", **extra,
                                **self.provenance(f"{reason}: {share}% of the {lost} patients lost.")})
            if not sparse:
                results.append(self.median("RW_PFS", arm, extra))
                for label, _ in rng.sample(REGIMENS, rng.randint(2, 6)):
                    results.append({**self.proportion("TREATMENT_PATTERN", arm, total, extra, 0.02, 0.15),
                                    "category": label})
        else:
            codes = ["PFS", "OS", "ORR", "DOR", "PFS2", "CNS_PFS"][: (2 if sparse else rng.randint(2, 6))]
            study["endpoints"] = self.endpoints(codes)
            for arm in arms:
                for code in codes[: 1 if sparse else len(codes)]:
                    if code == "ORR":
                        results.append(self.proportion("ORR", arm, arm["n_treated"], extra))
                    else:
                        results.append(self.median(code, arm, extra))
                        if code in ("PFS", "OS") and not sparse and rng.random() < 0.5:
                            results.append(self.rate(code, arm, extra))
            if kind == "randomized trial":
                control = arms[-1]["key"]
                subgroups = self.subgroups(9 if heavy else (0 if sparse else rng.randint(0, 6)),
                                           populations[0]["n"])
                if subgroups:
                    study["subgroups"] = subgroups
                for experimental in arms[:-1]:
                    for code in codes[: 1 if sparse else 2]:
                        if code != "ORR":
                            comparisons.append(self.hazard_ratio(code, experimental["key"], control, None, analysis))
                    for subgroup in subgroups:
                        comparisons.append(self.hazard_ratio("PFS", experimental["key"], control,
                                                             subgroup["key"], analysis))
        study["results"] = results
        if comparisons:
            study["comparisons"] = comparisons
        ae_rows = 100 if heavy else (0 if sparse or real_world else rng.choice([0, 0, 10, 20, 30]))
        if ae_rows and kind != "planned trial":
            study["adverse_events"] = self.adverse_events(arms, ae_rows)
        study["characteristics"] = characteristics
        return study


def sources(studies: int) -> dict[str, Any]:
    entries = [{"id": REVIEW, "kind": "review", "citation": "Synthetic review used as the source of every "
                "synthetic study (scripts/synth.py); not evidence."}]
    for index in range(studies):
        entries.append({"id": f"synth-{index:05d}-a", "kind": "article", "year": 2010 + index % 16,
                        "citation": f"Synthetic author et al. Synthetic Journal {2010 + index % 16};{index}:1-10."})
        entries.append({"id": f"synth-{index:05d}-b", "kind": "congress abstract", "year": 2010 + index % 16,
                        "citation": f"Synthetic author et al. Synthetic congress {2010 + index % 16}, "
                                    f"abstract {index}."})
    return {"sources": entries}


def dump(data: Any) -> str:
    return yaml.dump(data, Dumper=getattr(yaml, "CSafeDumper", yaml.SafeDumper), sort_keys=False,
                     allow_unicode=True, width=100)


def write_corpus(out: Path, studies: int, seed: int = 1, warning_per_file: bool = False) -> Path:
    """Write ``studies`` synthetic studies with their sources and the real vocabulary to ``out``
    (refused if ``out`` exists and is not empty: nothing of the user's is replaced)."""
    if out.exists() and any(out.iterdir()):
        raise SystemExit(f"{out} exists and is not empty; name a new folder")
    (out / "studies").mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "db" / "vocabulary", out / "vocabulary")
    header = "# Synthetic corpus written by scripts/synth.py: not evidence.\n"
    (out / "sources.yaml").write_text(header + dump(sources(studies)), encoding="utf-8")
    for index in range(studies):
        rng = random.Random(f"{seed}:{index}")  # each study its own stream: N and N+1 share studies
        study = StudyWriter(index, rng, warning_per_file).study()
        (out / "studies" / f"{study['id']}.yaml").write_text(header + dump(study), encoding="utf-8")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path, metavar="OUTDIR")
    parser.add_argument("--studies", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--warning-per-file", action="store_true",
                        help="one characteristic per study whose percentage disagrees with n/denominator")
    args = parser.parse_args()
    write_corpus(args.out, args.studies, args.seed, args.warning_per_file)
    print(f"wrote {args.studies} synthetic studies to {args.out}")


if __name__ == "__main__":
    main()
