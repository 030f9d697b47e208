"""Published outcomes of trials of therapy scheduling: adaptive abiraterone and dose-dense CALGB 9741.

Typed in from the abstracts, one row per value, each with its citation. See
``data/scheduling_trials.md`` for what was checked and what was not.
"""

from __future__ import annotations

ZHANG_2017 = (
    "Zhang J, Cunningham JJ, Brown JS, Gatenby RA (2017) Integrating evolutionary dynamics "
    "into treatment of metastatic castrate-resistant prostate cancer. Nat Commun 8:1816 "
    "(abstract)"
)
ZHANG_2022 = (
    "Zhang J, Cunningham J, Brown J, Gatenby R (2022) Evolution-based mathematical models "
    "significantly prolong response to abiraterone in metastatic castrate-resistant prostate "
    "cancer and identify strategies to further improve outcomes. eLife 11:e76284 (abstract)"
)
CITRON_2003 = (
    "Citron ML et al. (2003) Randomized trial of dose-dense versus conventionally scheduled "
    "and sequential versus concurrent combination chemotherapy as postoperative adjuvant "
    "treatment of node-positive primary breast cancer: first report of Intergroup Trial "
    "C9741/CALGB 9741. J Clin Oncol 21:1431-1439 (abstract)"
)

# study, cohort, quantity, value, unit, note, citation
ROWS = [
    (
        "Zhang 2017",
        "adaptive abiraterone",
        "patients with stable oscillations",
        10,
        "patients",
        "10 of 11 patients in the pilot trial",
        ZHANG_2017,
    ),
    (
        "Zhang 2017",
        "adaptive abiraterone",
        "patients reported",
        11,
        "patients",
        "the pilot trial's patients at the 2017 report",
        ZHANG_2017,
    ),
    (
        "Zhang 2017",
        "adaptive abiraterone",
        "median time to progression",
        27,
        "months",
        "a lower bound: 'at least 27 months'",
        ZHANG_2017,
    ),
    (
        "Zhang 2017",
        "adaptive abiraterone",
        "cumulative drug relative to standard dosing",
        47,
        "percent",
        "'reduced cumulative drug use of 47% of standard dosing'",
        ZHANG_2017,
    ),
    (
        "Zhang 2017",
        "standard dosing (published studies)",
        "median time to progression",
        16.5,
        "months",
        "'~16.5 months' radiographic progression with standard dosing, from published "
        "studies, not the trial's own comparison cohort",
        ZHANG_2017,
    ),
    ("Zhang 2022", "adaptive abiraterone", "patients enrolled", 17, "patients", "", ZHANG_2022),
    (
        "Zhang 2022",
        "standard of care (contemporaneous, not randomised)",
        "patients",
        16,
        "patients",
        "chose standard dosing after a >50% PSA decline",
        ZHANG_2022,
    ),
    (
        "Zhang 2022",
        "adaptive abiraterone",
        "median time to progression",
        33.5,
        "months",
        "p<0.001 vs standard of care",
        ZHANG_2022,
    ),
    (
        "Zhang 2022",
        "standard of care (contemporaneous, not randomised)",
        "median time to progression",
        14.3,
        "months",
        "",
        ZHANG_2022,
    ),
    (
        "Zhang 2022",
        "adaptive abiraterone",
        "median overall survival",
        58.5,
        "months",
        "",
        ZHANG_2022,
    ),
    (
        "Zhang 2022",
        "standard of care (contemporaneous, not randomised)",
        "median overall survival",
        31.3,
        "months",
        "",
        ZHANG_2022,
    ),
    (
        "Zhang 2022",
        "adaptive vs standard of care",
        "overall survival hazard ratio",
        0.41,
        "",
        "95% CI 0.20-0.83, p<0.001 as printed; the CI implies a Wald p of about 0.014",
        ZHANG_2022,
    ),
    (
        "Zhang 2022",
        "adaptive abiraterone",
        "time on trial without abiraterone",
        46,
        "percent",
        "on average",
        ZHANG_2022,
    ),
    (
        "Citron 2003",
        "all arms (2 x 2 factorial)",
        "patients randomised",
        2005,
        "patients",
        "",
        CITRON_2003,
    ),
    (
        "Citron 2003",
        "dose-dense (every 2 weeks) vs every 3 weeks",
        "disease-free survival risk ratio",
        0.74,
        "",
        "P = .010; median follow-up 36 months",
        CITRON_2003,
    ),
    (
        "Citron 2003",
        "dose-dense (every 2 weeks) vs every 3 weeks",
        "overall survival risk ratio",
        0.69,
        "",
        "P = .013",
        CITRON_2003,
    ),
    (
        "Citron 2003",
        "dose-dense (every 2 weeks)",
        "4-year disease-free survival",
        82,
        "percent",
        "",
        CITRON_2003,
    ),
    (
        "Citron 2003",
        "conventional (every 3 weeks)",
        "4-year disease-free survival",
        75,
        "percent",
        "",
        CITRON_2003,
    ),
]


def generate():
    import pandas as pd

    table = pd.DataFrame(
        ROWS, columns=["study", "cohort", "quantity", "value", "unit", "note", "citation"]
    )
    return table.assign(source_quality="primary")


if __name__ == "__main__":
    print(generate().to_string())
