"""Simulated held-out patient profiles with the option the course's sources support.

Each profile is drawn (seed ``SEED``) from a scenario: its alterations, written in one of
several spellings a report might use (case, spacing, synonyms), and the drugs the cited source
supports for it, typed in here by hand and independently of the rule table, so the recommender
can be scored on them. Scenarios outside the course (KRAS G12C, a germline variant of unknown
significance) expect no drug; the ALK-fusion scenario expects alectinib (ALEX), which the
course teaches in 10 but the rule table does not cover. Every row is labelled simulated; the
citation column names the source of the expected option. See ``data/precision_profiles.md``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SEED = 20261502
N_PROFILES = 120

FLAURA = "expected option: FLAURA (Soria et al. 2018 N Engl J Med 378:113)"
AURA3 = "expected option: AURA3 (Mok et al. 2017 N Engl J Med 376:629)"
ERCAN = "expected option: Ercan et al. 2015 Clin Cancer Res 21:3913"
NIEDERST = "expected option: Niederst et al. 2015 Clin Cancer Res 21:3924 (not read)"
INSIGHT = "expected option: INSIGHT (Wu et al. 2020 Lancet Respir Med)"
PACE = "expected option: PACE (Cortes et al. 2013 N Engl J Med 369:1783)"
FONG = "expected option: OlympiAD (Robson et al. 2017 N Engl J Med 377:523)"
EDWARDS = "expected option: Edwards et al. 2008 Nature 451:1111"
LE = "expected option: Le et al. 2015 N Engl J Med 372:2509"
CRIPE = "expected option: Cripe et al. 2010 Blood 116:4077 (no drug)"
OLAUSSEN = "expected option: Olaussen 2006 / Friboulet 2013 N Engl J Med (no drug)"
ALEX = "expected option: ALEX (Peters et al. 2017 N Engl J Med 377:829)"
OUTSIDE = "expected option: none in the course"

# (alterations as written in reports [alternative spellings per alteration], expected drugs,
#  source of the expected option, weight)
SCENARIOS = [
    ([["EGFR L858R", "egfr l858r", "EGFR p.L858R"]], ("osimertinib",), FLAURA, 3),
    ([["EGFR exon 19 deletion", "EGFR del19", "egfr Ex19del"]], ("osimertinib",), FLAURA, 3),
    ([["EGFR exon 19 deletion", "EGFR del19"], ["EGFR T790M", "egfr  t790m"]],
     ("osimertinib",), AURA3, 3),
    ([["EGFR L858R"], ["EGFR C797S", "egfr c797s"]], ("afatinib", "gefitinib"), ERCAN, 1),
    ([["EGFR L858R", "EGFR exon 19 deletion"], ["EGFR T790M"], ["EGFR C797S in cis"]],
     ("platinum-based chemotherapy",), ERCAN, 2),
    ([["EGFR exon 19 deletion"], ["EGFR T790M"], ["EGFR C797S in trans", "egfr c797s (trans)"]],
     ("gefitinib", "osimertinib"), NIEDERST, 2),
    ([["EGFR L858R", "EGFR del19"], ["MET amplification", "MET amplified", "met amp"]],
     ("gefitinib", "tepotinib"), INSIGHT, 3),
    ([["BCR-ABL1 T315I", "BCR-ABL T315I", "bcr::abl1 t315i"]], ("ponatinib",), PACE, 3),
    ([["BRCA1 loss", "BRCA1 mutation"]], ("olaparib",), FONG, 2),
    ([["BRCA2 loss", "brca2 deficient"]], ("olaparib",), FONG, 2),
    ([["BRCA2 loss"], ["BRCA2 reversion mutation", "BRCA2 reversion"]], (), EDWARDS, 1),
    ([["MLH1 promoter methylation", "MLH1 hypermethylation", "hMLH1 methylation"]],
     ("pembrolizumab",), LE, 2),
    ([["ABCB1 overexpression", "MDR1 overexpression", "P-gp overexpression"]], (), CRIPE, 2),
    ([["EGFR L858R"], ["ERCC1 high", "ERCC1 positive"]], ("osimertinib",), OLAUSSEN, 1),
    ([["ALK fusion", "EML4-ALK fusion"]], ("alectinib",), ALEX, 2),
    ([["KRAS G12C"]], (), OUTSIDE, 1),
    ([["BRCA1 loss", "BRCA1 mutation"], ["TP53 R175H"]], ("olaparib",), FONG, 2),
]  # fmt: skip


def generate() -> pd.DataFrame:
    rng = np.random.default_rng(SEED)
    weights = np.array([s[3] for s in SCENARIOS], dtype=float)
    # every scenario at least once, the rest drawn by weight, then shuffled
    drawn = rng.choice(len(SCENARIOS), size=N_PROFILES - len(SCENARIOS), p=weights / weights.sum())
    picks = rng.permutation(np.concatenate([np.arange(len(SCENARIOS)), drawn]))
    rows = []
    for i, k in enumerate(picks):
        spellings, drugs, source, _ = SCENARIOS[k]
        written = [str(options[rng.integers(len(options))]) for options in spellings]
        rows.append(
            {
                "patient_id": f"H{i + 1:03d}",
                "alterations": "; ".join(written),
                "expected_drugs": "; ".join(sorted(drugs)) if drugs else "none",
                "expected_source": source,
                "citation": f"simulated (resistlab data/generators/precision_profiles.py, seed {SEED})",
                "source_quality": "simulated",
            }
        )
    return pd.DataFrame(rows)
