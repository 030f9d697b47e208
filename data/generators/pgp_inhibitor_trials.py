"""Clinical trials of P-glycoprotein inhibitors, generation by generation: what happened and why.

Transcribed from the abstracts of the primary reports (and, for tariquidar's phase III trials,
the ClinicalTrials.gov records); each row names the paper. The fourth-generation row is a
review's statement, labelled ``secondary``. See ``data/pgp_inhibitor_trials.md``.
"""

from __future__ import annotations

import pandas as pd

PENNOCK_1991 = (
    "Pennock GD, Dalton WS, Roeske WR, et al. (1991) Systemic toxic effects associated with "
    "high-dose verapamil infusion and chemotherapy administration. J Natl Cancer Inst, "
    "16 January 1991 (abstract)."
)
INTRAHEPATIC_1994 = (
    "Saltz L, Murphy B, Kemeny N, Bertino J, et al. (1994) A phase I trial of intrahepatic "
    "verapamil and doxorubicin. Regional therapy to overcome multidrug resistance. Cancer "
    "74(10):2757-2764, "
    "doi:10.1002/1097-0142(19941115)74:10<2757::aid-cncr2820741004>3.0.co;2-o (abstract)."
)
LIST_2001 = (
    "List AF, Kopecky KJ, Willman CL, et al. (2001) Benefit of cyclosporine modulation of drug "
    "resistance in patients with poor-risk acute myeloid leukemia: a Southwest Oncology Group "
    "study. Blood 98(12):3212-3220 (abstract)."
)
BAER_2002 = (
    "Baer MR et al. (2002) Phase 3 study of the multidrug resistance modulator PSC-833 in "
    "untreated acute myeloid leukemia patients aged 60 years and older: Cancer and Leukemia "
    "Group B Study 9720. Blood 100(4):1224 (abstract)."
)
VAN_DER_HOLT_2005 = (
    "van der Holt B et al. (2005) The value of the MDR1 reversal agent PSC-833 in addition to "
    "daunorubicin and cytarabine in elderly patients with untreated acute myeloid leukemia. "
    "Blood 106(8):2646 (abstract)."
)
KOLITZ_2010 = (
    "Kolitz JE, George SL, Marcucci G, et al. (2010) P-glycoprotein inhibition using valspodar "
    "(PSC-833) does not improve outcomes for patients younger than age 60 years with newly "
    "diagnosed acute myeloid leukemia: CALGB 19808. Blood 116(9):1413 (abstract)."
)
CRIPE_2010 = (
    "Cripe LD, Uno H, Paietta EM, et al. (2010) Zosuquidar, a novel modulator of "
    "P-glycoprotein, does not improve the outcome of older patients with newly diagnosed acute "
    "myeloid leukemia: ECOG 3999. Blood 116(20):4077 (abstract)."
)
TARIQUIDAR_NCT = (
    "ClinicalTrials.gov NCT00042302 (tariquidar + paclitaxel/carboplatin) and NCT00042315 "
    "(tariquidar + vinorelbine), QLT Inc., phase III, first-line NSCLC: status Terminated."
)
KARTHIKEYAN_2015 = (
    "Karthikeyan S, Hoti SL (2015), as cited by the course's review for fourth-generation "
    "inhibitors from natural products (review; not read)."
)

COLUMNS = ("generation", "inhibitor", "trial", "setting", "patients", "result", "why_it_failed",
           "citation", "source_quality")  # fmt: skip
ROWS = [
    (1, "verapamil", "high-dose infusion with vincristine, doxorubicin, dexamethasone",
     "B-cell and other P-gp-expressing neoplasms", 35,
     "dose-limiting cardiovascular toxicity (heart block, hypotension, bradycardia)",
     "toxicity: the inhibitor's own pharmacology limits the achievable plasma level",
     PENNOCK_1991, "primary"),
    (1, "verapamil", "phase I, hepatic-artery infusion with doxorubicin",
     "colorectal liver metastases", 14,
     "MTD 1.2 mg/kg/h (hypotension); no major responses; regional delivery estimated to reach "
     "7.3 uM in the tumour",
     "potency: reversal needs levels not tolerable systemically",
     INTRAHEPATIC_1994, "primary"),
    (1, "cyclosporine A", "SWOG 9126, randomised, with infusional daunorubicin and cytarabine",
     "poor-risk AML", 226,
     "less resistant disease (31% vs 47%); 2-year relapse-free survival 34% vs 9% (P = .031), "
     "overall survival 22% vs 12% (P = .046); benefit greatest with moderate or bright P-gp",
     "not a failure: the one benefit in this table; serum daunorubicin was higher with "
     "cyclosporine, so part of the effect is a pharmacokinetic interaction",
     LIST_2001, "primary"),
    (2, "valspodar (PSC-833)", "CALGB 9720, randomised phase 3",
     "untreated AML, age >= 60", 120,
     "valspodar arm closed for excessive early mortality (44% vs 20% deaths); survival not "
     "different",
     "pharmacokinetic interaction (chemotherapy doses had to be cut) and toxicity",
     BAER_2002, "primary"),
    (2, "valspodar (PSC-833)", "HOVON/SAKK, randomised phase 3",
     "untreated AML, age >= 60", 419,
     "no improvement in CR rate, EFS, DFS or OS; no benefit in P-gp-positive patients",
     "no benefit even where P-gp was present", VAN_DER_HOLT_2005, "primary"),
    (2, "valspodar (PSC-833)", "CALGB 19808, randomised phase 3",
     "untreated AML, age < 60", 302,
     "CR 75% in both arms; median OS 1.69 vs 1.86 years (P = .82); more grade 3-4 liver and "
     "mucosal toxicity",
     "no benefit; added toxicity", KOLITZ_2010, "primary"),
    (3, "zosuquidar", "ECOG 3999, randomised placebo-controlled",
     "untreated AML or high-risk MDS, age > 60", 449,
     "median OS 7.2 vs 9.4 months on placebo (P = .281); remission 51.9% vs 48.9%",
     "P-gp-independent resistance; minimal pharmacokinetic interaction, so not toxicity",
     CRIPE_2010, "primary"),
    (3, "tariquidar (XR9576)", "two randomised placebo-controlled phase III trials",
     "first-line stage IIIb/IV NSCLC", 0,
     "both trials terminated (planned 540 and 490 patients); the registry records give no "
     "reason",
     "not established from the primary record", TARIQUIDAR_NCT, "primary"),
    (4, "natural products (flavonoids, alkaloids, ...)", "none randomised",
     "preclinical", 0,
     "proposed as less toxic, more biocompatible inhibitors; no clinical benefit shown",
     "untested in the clinic", KARTHIKEYAN_2015, "secondary"),
]  # fmt: skip


def generate() -> pd.DataFrame:
    return pd.DataFrame(ROWS, columns=list(COLUMNS))


if __name__ == "__main__":
    print(generate().to_string())
