"""Generate a synthetic corpus (valid, clearly fake studies) for benchmarks and scale tests.

    python scripts/synth.py OUT_DIR --studies 200

The real vocabularies and sources are copied; each synthetic study has two arms, subgroups,
results, comparisons and adverse events whose numbers are internally consistent, so the
corpus loads without errors. Nothing here is evidence: ids start with ``synthetic-``.
"""

from __future__ import annotations

import argparse
import random
import shutil
from pathlib import Path

from ruamel.yaml import YAML

ROOT = Path(__file__).resolve().parent.parent
TERMS = ["nausea", "diarrhea", "neutropenia", "fatigue", "alopecia", "vomiting", "anemia",
         "leukopenia", "thrombocytopenia", "constipation", "hypokalemia", "decreased appetite"]
PROVENANCE = {"source_id": "huober-review", "locator": "synthetic"}


def synthetic_study(index: int, rng: random.Random) -> dict:
    arms = [
        {"key": "exp", "label": "Experimental", "role": "experimental",
         "drugs": ["trastuzumab-deruxtecan", "pertuzumab"], "n_randomized": 400, "n_treated": 398, **PROVENANCE},
        {"key": "ctl", "label": "Control", "role": "control",
         "drugs": ["taxane", "trastuzumab", "pertuzumab"], "n_randomized": 400, "n_treated": 396, **PROVENANCE},
    ]
    subgroups = [{"key": f"sg{i}", "category": "synthetic", "level": f"level {i}", **PROVENANCE} for i in range(8)]
    results, comparisons, adverse_events = [], [], []
    for endpoint in ("PFS", "OS", "PFS2"):
        for arm in ("exp", "ctl"):
            results.append({"endpoint": endpoint, "arm": arm, "statistic": "median",
                            "value": round(rng.uniform(5, 60), 1), "unit": "months", **PROVENANCE})
        for subgroup in [None] + [s["key"] for s in subgroups]:
            estimate = round(rng.uniform(0.3, 1.2), 2)
            comparison = {"endpoint": endpoint, "measure": "HR", "experimental": "exp", "control": "ctl",
                          "estimate": estimate, "ci_low": round(estimate * 0.8, 2),
                          "ci_high": round(estimate * 1.25, 2), **PROVENANCE}
            if subgroup:
                comparison["subgroup"] = subgroup
            comparisons.append(comparison)
    for arm, n_at_risk in (("exp", 398), ("ctl", 396)):
        for term in TERMS:
            for grade in ("any", ">=3"):
                n = rng.randint(0, n_at_risk // (2 if grade == "any" else 10))
                adverse_events.append({"arm": arm, "term": term, "category": "treatment-related", "grade": grade,
                                       "n": n, "pct": round(100 * n / n_at_risk, 1), "n_at_risk": n_at_risk,
                                       **PROVENANCE})
    return {
        "id": f"synthetic-{index:05d}", "acronym": f"SYNTH-{index}", "title": f"Synthetic study {index}",
        "kind": "randomized trial", "phase": "3", "setting": "metastatic", "line": "first line",
        "notes": "Synthetic data for benchmarks; not evidence.",
        "populations": [{"key": "itt", "label": "ITT", "n": 800, "enrolled": True, **PROVENANCE}],
        "arms": arms, "subgroups": subgroups, "results": results, "comparisons": comparisons,
        "adverse_events": adverse_events,
    }


def write_corpus(out: Path, studies: int, seed: int = 1) -> Path:
    """Write a corpus of ``studies`` synthetic studies to ``out`` (created or emptied)."""
    if out.exists():
        shutil.rmtree(out)
    (out / "studies").mkdir(parents=True)
    shutil.copy(ROOT / "db" / "sources.yaml", out / "sources.yaml")
    shutil.copytree(ROOT / "db" / "vocabulary", out / "vocabulary")
    rng = random.Random(seed)
    yaml = YAML(typ="safe", pure=True)
    yaml.default_flow_style = False
    for index in range(studies):
        study = synthetic_study(index, rng)
        with (out / "studies" / f"{study['id']}.yaml").open("w", encoding="utf-8") as handle:
            yaml.dump(study, handle)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--studies", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    write_corpus(args.out, args.studies, args.seed)
    print(f"wrote {args.studies} synthetic studies to {args.out}")


if __name__ == "__main__":
    main()
