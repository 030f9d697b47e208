"""The rule table of the course's teaching recommender: alteration(s) → mechanism → option → evidence.

One row per rule. ``alterations`` lists the canonical alteration names the rule needs, joined by
" + " (all must be present); ``resistlab.precision.recommend`` fires a rule when every one is in
the profile and keeps only the most specific rules. Each row names the course assignment that
taught its mechanism and the paper or trial behind the option, with its source quality
(``primary``: the abstract was read; ``secondary``: only a review or database was read, the
primary paper was not reached). A teaching table, not clinical decision support. See
``data/precision_rules.md``.
"""

from __future__ import annotations

import pandas as pd

FLAURA = (
    "Soria JC et al. (2018) Osimertinib in untreated EGFR-mutated advanced non-small-cell lung "
    "cancer (FLAURA). N Engl J Med 378:113-125, doi:10.1056/NEJMoa1713137 (abstract)."
)
AURA3 = (
    "Mok TS et al. (2017) Osimertinib or platinum-pemetrexed in EGFR T790M-positive lung "
    "cancer (AURA3). N Engl J Med 376:629-640, doi:10.1056/NEJMoa1612674 (abstract)."
)
ERCAN_2015 = (
    "Ercan D et al. (2015) EGFR mutations and resistance to irreversible pyrimidine-based EGFR "
    "inhibitors. Clin Cancer Res 21(17):3913-3923 (abstract; Ba/F3 cells)."
)
NIEDERST_2015 = (
    "Niederst MJ et al. (2015) The allelic context of the C797S mutation acquired upon "
    "treatment with third-generation EGFR inhibitors impacts sensitivity to subsequent "
    "treatment strategies. Clin Cancer Res 21(17):3924-3933, doi:10.1158/1078-0432.CCR-15-0560 "
    "(not read; the cis/trans result is taken from secondary summaries)."
)
INSIGHT = (
    "Wu YL et al. (2020) Tepotinib plus gefitinib in patients with EGFR-mutant non-small-cell "
    "lung cancer with MET overexpression or MET amplification and acquired resistance to "
    "previous EGFR inhibitor (INSIGHT). Lancet Respir Med, doi:10.1016/S2213-2600(20)30154-5; "
    "final analysis (the numbers quoted): Liam CK et al. (2023) Clin Cancer Res 29(10):1879-1886, "
    "doi:10.1158/1078-0432.CCR-22-3318 (abstract, PMC10183805)."
)
PACE = (
    "Cortes JE et al. (2013) A phase 2 trial of ponatinib in Philadelphia chromosome-positive "
    "leukemias (PACE). N Engl J Med 369:1783-1796 (abstract)."
)
FONG_2009 = (
    "Robson M et al. (2017) Olaparib for metastatic breast cancer in patients with a germline "
    "BRCA mutation (OlympiAD). N Engl J Med 377:523-533, doi:10.1056/NEJMoa1706450 (abstract); "
    "Fong PC et al. (2009) Inhibition of poly(ADP-ribose) polymerase in tumors from BRCA "
    "mutation carriers. N Engl J Med 361:123-134 (abstract); Farmer H et al. (2005) Nature "
    "434:917 (synthetic lethality)."
)
EDWARDS_2008 = (
    "Edwards SL et al. (2008) Resistance to therapy caused by intragenic deletion in BRCA2. "
    "Nature 451:1111-1115; Sakai W et al. (2008) Nature 451:1116-1120 (abstracts)."
)
LE_2015 = (
    "Le DT et al. (2015) PD-1 blockade in tumors with mismatch-repair deficiency. N Engl J Med "
    "372:2509-2520, doi:10.1056/NEJMoa1500596 (abstract); Aebi S et al. (1996) Cancer Res "
    "56:3087 (cisplatin tolerance)."
)
CRIPE_2010 = (
    "Cripe LD et al. (2010) Zosuquidar does not improve the outcome of older patients with "
    "newly diagnosed acute myeloid leukemia: ECOG 3999. Blood 116(20):4077 (abstract)."
)
OLAUSSEN_2006 = (
    "Olaussen KA et al. (2006) DNA repair by ERCC1 in non-small-cell lung cancer and "
    "cisplatin-based adjuvant chemotherapy (IALT-Bio). N Engl J Med 355:983-991; Friboulet L "
    "et al. (2013) N Engl J Med 368:1101-1110 (failed validation) (abstracts)."
)
STRAUSSMAN_2012 = (
    "Straussman R et al. (2012) Tumour micro-environment elicits innate resistance to RAF "
    "inhibitors through HGF secretion. Nature 487:500-504 (abstract)."
)

COLUMNS = ("rule_id", "alterations", "mechanism", "option", "drugs", "evidence", "assignment",
           "citation", "source_quality")  # fmt: skip
ROWS = [
    ("egfr_sensitising", "EGFR sensitising mutation",
     "an activating EGFR kinase mutation (exon 19 deletion or L858R): the tumour depends on EGFR "
     "signalling (oncogene addiction)",
     "first-line osimertinib", "osimertinib",
     "FLAURA: median PFS 18.9 vs 10.2 months with gefitinib or erlotinib, HR 0.46 (0.37-0.57)",
     "03-target-mutations", FLAURA, "primary"),
    ("egfr_t790m", "EGFR sensitising mutation + EGFR T790M",
     "the gatekeeper T790M raises the kinase's ATP affinity, so first-generation ATP-competitive "
     "inhibitors lose occupancy",
     "osimertinib (covalent, mutant-selective)", "osimertinib",
     "AURA3: median PFS 10.1 vs 4.4 months with platinum-pemetrexed, HR 0.30 (0.23-0.41)",
     "03-target-mutations", AURA3, "primary"),
    ("egfr_c797s_no_t790m", "EGFR sensitising mutation + EGFR C797S",
     "C797S removes the cysteine that osimertinib bonds to; without T790M the reversible "
     "quinazolines still bind",
     "a first- or second-generation EGFR inhibitor (gefitinib or afatinib)", "gefitinib; afatinib",
     "Ba/F3 cells with Del19 or L858R plus C797S retain sensitivity to gefitinib and afatinib "
     "(preclinical)",
     "03-target-mutations", ERCAN_2015, "primary"),
    ("egfr_c797s_phase_unknown", "EGFR sensitising mutation + EGFR T790M + EGFR C797S",
     "C797S with T790M: whether the two sit on the same allele (cis) or on different alleles "
     "(trans) decides which inhibitors still work",
     "determine the allelic configuration of C797S and T790M before choosing", "",
     "C797S in cis with T790M resists every EGFR inhibitor; in trans a first- plus "
     "third-generation combination inhibits the cells (preclinical)",
     "03-target-mutations", NIEDERST_2015, "secondary"),
    ("egfr_c797s_cis",
     "EGFR sensitising mutation + EGFR T790M + EGFR C797S + EGFR C797S in cis",
     "T790M and C797S on one allele: the reversible inhibitors are defeated by T790M and the "
     "covalent ones by C797S",
     "no EGFR tyrosine kinase inhibitor; platinum-based chemotherapy or a clinical trial",
     "platinum-based chemotherapy",
     "Del19 or L858R with T790M and C797S causes resistance to all current EGFR inhibitors "
     "(L858R/T790M/C797S stays partly sensitive to cetuximab) (preclinical)",
     "03-target-mutations", ERCAN_2015, "primary"),
    ("egfr_c797s_trans",
     "EGFR sensitising mutation + EGFR T790M + EGFR C797S + EGFR C797S in trans",
     "T790M and C797S on different alleles: each allele is hit by one generation of inhibitor",
     "a first- plus a third-generation EGFR inhibitor (gefitinib with osimertinib)",
     "gefitinib; osimertinib",
     "cells with C797S in trans resist third-generation inhibitors alone but respond to the "
     "combination of first- and third-generation inhibitors (preclinical)",
     "03-target-mutations", NIEDERST_2015, "secondary"),
    ("egfr_met", "EGFR sensitising mutation + MET amplification",
     "MET amplification keeps ERBB3/PI3K signalling on when EGFR is blocked (a bypass)",
     "at progression on a first- or second-generation EGFR inhibitor, without T790M: an EGFR "
     "inhibitor plus a MET inhibitor (tepotinib with gefitinib)", "tepotinib; gefitinib",
     "INSIGHT (phase 2, T790M-negative tumours after a first-line EGFR inhibitor): in the "
     "MET-amplified subgroup (n = 19) PFS HR 0.13 (90% CI 0.04-0.43) vs platinum-pemetrexed",
     "04-gene-amplification", INSIGHT, "primary"),
    ("bcr_abl1_t315i", "BCR-ABL1 T315I",
     "the gatekeeper T315I blocks imatinib, nilotinib, dasatinib and bosutinib",
     "ponatinib", "ponatinib",
     "PACE: major cytogenetic response in 70% of chronic-phase CML patients with T315I",
     "03-target-mutations", PACE, "primary"),
    ("brca1_loss", "BRCA1 loss",
     "homologous-recombination deficiency: the cells depend on PARP-mediated repair "
     "(synthetic lethality)",
     "a PARP inhibitor (olaparib)", "olaparib",
     "OlympiAD (phase 3, germline BRCA1/2, HER2-negative metastatic breast cancer): median "
     "PFS 7.0 vs 4.2 months with chemotherapy, HR 0.58 (0.43-0.80); first in patients: the "
     "phase 1 of Fong 2009",
     "07-dna-repair", FONG_2009, "primary"),
    ("brca2_loss", "BRCA2 loss",
     "homologous-recombination deficiency: the cells depend on PARP-mediated repair "
     "(synthetic lethality)",
     "a PARP inhibitor (olaparib)", "olaparib",
     "OlympiAD (phase 3, germline BRCA1/2, HER2-negative metastatic breast cancer): median "
     "PFS 7.0 vs 4.2 months with chemotherapy, HR 0.58 (0.43-0.80); first in patients: the "
     "phase 1 of Fong 2009",
     "07-dna-repair", FONG_2009, "primary"),
    ("brca2_reversion", "BRCA2 loss + BRCA2 reversion mutation",
     "a secondary mutation restores the BRCA2 reading frame and homologous recombination",
     "no PARP inhibitor or platinum rechallenge; other treatment", "",
     "restored BRCA2 after intragenic deletion caused resistance to PARP inhibition and "
     "cisplatin in cells and in platinum-resistant patients",
     "07-dna-repair", EDWARDS_2008, "primary"),
    ("mlh1_methylation", "MLH1 promoter methylation",
     "MLH1 silenced: mismatch repair lost; cells tolerate methylating agents and cisplatin and "
     "carry many mutations",
     "PD-1 blockade (pembrolizumab) rather than a methylating agent", "pembrolizumab",
     "pembrolizumab: immune-related objective response in 4 of 10 mismatch-repair-deficient "
     "colorectal cancers and 0 of 18 proficient ones (phase 2; patients were selected by "
     "mismatch-repair status, not by MLH1 methylation itself)",
     "05-epigenetics-and-persisters", LE_2015, "primary"),
    ("abcb1_overexpression", "ABCB1 overexpression",
     "P-glycoprotein pumps its substrates (anthracyclines, taxanes, vinca alkaloids) out of the "
     "cell",
     "prefer drugs that are not P-gp substrates; adding a P-gp inhibitor has not helped in "
     "trials", "",
     "ECOG 3999: zosuquidar added to chemotherapy did not improve survival in older patients "
     "with AML (449 patients)",
     "06-drug-efflux", CRIPE_2010, "primary"),
    ("ercc1_high", "ERCC1 high",
     "more nucleotide-excision repair of platinum adducts (mechanism in cells)",
     "no validated change: ERCC1 staining is not a usable test to withhold platinum", "",
     "IALT-Bio: no benefit of adjuvant cisplatin in ERCC1-positive tumours (HR 1.14), but the "
     "result failed validation (Friboulet 2013)",
     "07-dna-repair", OLAUSSEN_2006, "primary"),
    ("ercc1_low", "ERCC1 low",
     "less nucleotide-excision repair of platinum adducts (mechanism in cells)",
     "no validated change: ERCC1 is not a validated selector; platinum-based chemotherapy "
     "where the tumour type indicates it, whatever the ERCC1 level", "",
     "IALT-Bio: adjuvant cisplatin helped ERCC1-negative tumours (HR for death 0.65, "
     "0.50-0.86), a result that failed validation (Friboulet 2013)",
     "07-dna-repair", OLAUSSEN_2006, "primary"),
    ("stromal_hgf", "BRAF V600E + stromal HGF",
     "HGF from fibroblasts activates MET and rescues RAF-inhibitor signalling (a niche, not a "
     "mutation)",
     "a RAF inhibitor plus a MET inhibitor, as a hypothesis to test in a trial", "",
     "stromal HGF correlated with innate resistance to RAF inhibitors in patients with "
     "BRAF-mutant melanoma; the combination reversed it in co-culture",
     "08-tumor-microenvironment", STRAUSSMAN_2012, "primary"),
]  # fmt: skip


def generate() -> pd.DataFrame:
    return pd.DataFrame(ROWS, columns=list(COLUMNS))
