"""Published plasma pharmacokinetics of free and PEG-liposomal doxorubicin, and nanomedicine facts.

One row per formulation and parameter, transcribed from the US labels (doxorubicin
hydrochloride injection, Pfizer; DOXIL, Table 8) and from the abstracts of the clinical and
experimental papers assignment 12-nanomedicine teaches from. A range is stored as ``low`` and
``high`` with ``value`` empty; a mean ± standard error as ``value`` and ``se``. Each row names
its source and says whether the number was checked against it (``primary``). See
``data/doxorubicin_pk.md``.
"""

from __future__ import annotations

import pandas as pd

DOX_LABEL = (
    "Doxorubicin Hydrochloride Injection, US prescribing information (Pfizer), section 12.3 "
    "Pharmacokinetics (pfizermedicalinformation.com, read 2026)."
)
DOXIL_LABEL = (
    "DOXIL (doxorubicin HCl liposome injection), US prescribing information, Clinical "
    "Pharmacology, Table 8: total doxorubicin after a 30-min infusion in AIDS-related Kaposi "
    "sarcoma, mean ± standard error (label text as reproduced by rxlist.com, 2017)."
)
HARRINGTON_2001 = (
    "Harrington KJ, Mohammadtaghi S, Uster PS, et al. (2001) Effective targeting of solid "
    "tumors in patients with locally advanced cancers by radiolabeled pegylated liposomes. "
    "Clin Cancer Res 7:243-254 (abstract)."
)
WILHELM_2016 = (
    "Wilhelm S, Tavares AJ, Dai Q, Ohta S, Audet J, Dvorak HF, Chan WCW (2016) Analysis of "
    "nanoparticle delivery to tumours. Nat Rev Mater 1:16014, doi:10.1038/natrevmats.2016.14 "
    "(abstract)."
)
CHOI_2007 = (
    "Choi HS, Liu W, Misra P, Tanaka E, Zimmer JP, Itty Ipe B, Bawendi MG, Frangioni JV (2007) "
    "Renal clearance of quantum dots. Nat Biotechnol 25:1165-1170, doi:10.1038/nbt1340 "
    "(abstract)."
)
NORTHFELT_1996 = (
    "Northfelt DW, Martin FJ, Working P, et al. (1996) Doxorubicin encapsulated in liposomes "
    "containing surface-bound polyethylene glycol: pharmacokinetics, tumor localization, and "
    "safety in patients with AIDS-related Kaposi's sarcoma. J Clin Pharmacol 36:55-63, "
    "doi:10.1002/j.1552-4604.1996.tb04152.x (abstract)."
)
GRADISHAR_2005 = (
    "Gradishar WJ, Tjulandin S, Davidson N, et al. (2005) Phase III trial of nanoparticle "
    "albumin-bound paclitaxel compared with polyethylated castor oil-based paclitaxel in women "
    "with breast cancer. J Clin Oncol 23:7794-7803, doi:10.1200/JCO.2005.04.937 (abstract)."
)

NAN = float("nan")
COLUMNS = ("formulation", "dose_mg_m2", "parameter", "value", "se", "low", "high", "unit",
           "note", "citation", "source_quality")  # fmt: skip
ROWS = [
    # free doxorubicin, label
    ("doxorubicin", NAN, "distribution half-life", 5.0, NAN, NAN, NAN, "min",
     "approximately; multiphasic disposition after IV injection", DOX_LABEL, "primary"),
    ("doxorubicin", NAN, "terminal half-life", NAN, NAN, 20.0, 48.0, "h", "", DOX_LABEL,
     "primary"),
    ("doxorubicin", NAN, "steady-state volume of distribution", NAN, NAN, 809.0, 1214.0,
     "L/m2", "", DOX_LABEL, "primary"),
    ("doxorubicin", NAN, "plasma clearance", NAN, NAN, 324.0, 809.0, "mL/min/m2",
     "= 19.4-48.5 L/h/m2", DOX_LABEL, "primary"),
    ("doxorubicin", NAN, "plasma protein binding", 75.0, NAN, NAN, NAN, "%",
     "doxorubicin and doxorubicinol", DOX_LABEL, "primary"),
    # PEG-liposomal doxorubicin, label Table 8
    *[
        ("PEG-liposomal doxorubicin", dose, name, value, se, NAN, NAN, unit,
         "total doxorubicin; 30-min infusion", DOXIL_LABEL, "primary")
        for dose, name, value, se, unit in [
            (10.0, "peak plasma concentration", 4.12, 0.215, "ug/mL"),
            (20.0, "peak plasma concentration", 8.34, 0.49, "ug/mL"),
            (10.0, "plasma clearance", 0.056, 0.01, "L/h/m2"),
            (20.0, "plasma clearance", 0.041, 0.004, "L/h/m2"),
            (10.0, "steady-state volume of distribution", 2.83, 0.145, "L/m2"),
            (20.0, "steady-state volume of distribution", 2.72, 0.120, "L/m2"),
            (10.0, "AUC", 277.0, 32.9, "ug*h/mL"),
            (20.0, "AUC", 590.0, 58.7, "ug*h/mL"),
            (10.0, "first-phase half-life", 4.7, 1.1, "h"),
            (20.0, "first-phase half-life", 5.2, 1.4, "h"),
            (10.0, "second-phase half-life", 52.3, 5.6, "h"),
            (20.0, "second-phase half-life", 55.0, 4.8, "h"),
        ]
    ],
    ("PEG-liposomal doxorubicin", NAN, "fraction encapsulated in circulation", NAN, NAN, 90.0,
     NAN, "%", "at least 90% (assay cannot quantify less than 5-10% free drug); PK linear "
     "10-20 mg/m2, non-linear at 50 mg/m2", DOXIL_LABEL, "primary"),
    # EPR in patients
    ("111In-labelled PEG liposomes", NAN, "terminal half-life", 76.1, NAN, NAN, NAN, "h",
     "17 patients with locally advanced cancers", HARRINGTON_2001, "primary"),
    ("111In-labelled PEG liposomes", NAN, "tumour uptake at 72 h", NAN, NAN, 0.5, 3.5,
     "% injected dose", "gamma-camera estimate; positive tumour images in 15 of 17",
     HARRINGTON_2001, "primary"),
    ("111In-labelled PEG liposomes", NAN, "tumour uptake, head and neck", 33.0, NAN, NAN, NAN,
     "% injected dose/kg", "± 15.8 (spread as given in the abstract); mean tumour volume "
     "36.2 cm3, the smallest of the three", HARRINGTON_2001, "primary"),
    ("111In-labelled PEG liposomes", NAN, "tumour uptake, lung", 18.3, NAN, NAN, NAN,
     "% injected dose/kg", "± 5.7; mean tumour volume 114.5 cm3", HARRINGTON_2001, "primary"),
    ("111In-labelled PEG liposomes", NAN, "tumour uptake, breast", 5.3, NAN, NAN, NAN,
     "% injected dose/kg", "± 2.6; mean tumour volume 234.7 cm3 (uptake per kg was highest "
     "in the smallest tumours; the abstract says it 'mirrored' tumour volume)", HARRINGTON_2001, "primary"),
    ("nanoparticles (preclinical studies 2005-2015)", NAN, "median delivery to solid tumour", 0.7,
     NAN, NAN, NAN, "% injected dose", "median over a literature survey of preclinical tumour-model studies",
     WILHELM_2016, "primary"),
    ("quantum dots (rodents)", NAN, "hydrodynamic diameter for renal excretion", NAN, NAN,
     NAN, 5.5, "nm", "final diameter < 5.5 nm gave rapid, efficient urinary excretion; serum "
     "protein adsorption added > 15 nm", CHOI_2007, "primary"),
    ("PEG-liposomal vs standard doxorubicin", NAN,
     "Kaposi sarcoma lesion doxorubicin at 72 h, liposomal / standard", NAN, NAN, 5.2, 11.4,
     "ratio", "18 patients with AIDS-related Kaposi sarcoma randomised to either formulation "
     "at 10, 20 or 40 mg/m2; comparable doses; one time point; the abstract does not "
     "separate encapsulated from released drug", NORTHFELT_1996,
     "primary"),
    # nab-paclitaxel phase III
    ("nab-paclitaxel", 260.0, "overall response rate", 33.0, NAN, NAN, NAN, "%",
     "vs 19% with Cremophor paclitaxel 175 mg/m2; P = .001; n = 229 vs 225", GRADISHAR_2005,
     "primary"),
    ("Cremophor paclitaxel", 175.0, "overall response rate", 19.0, NAN, NAN, NAN, "%",
     "with premedication", GRADISHAR_2005, "primary"),
    ("nab-paclitaxel", 260.0, "median time to progression", 23.0, NAN, NAN, NAN, "weeks",
     "vs 16.9 weeks; hazard ratio 0.75; P = .006", GRADISHAR_2005, "primary"),
    ("Cremophor paclitaxel", 175.0, "median time to progression", 16.9, NAN, NAN, NAN,
     "weeks", "", GRADISHAR_2005, "primary"),
    ("nab-paclitaxel", 260.0, "grade 4 neutropenia", 9.0, NAN, NAN, NAN, "%",
     "vs 22%; P < .001; despite a 49% higher paclitaxel dose", GRADISHAR_2005, "primary"),
    ("Cremophor paclitaxel", 175.0, "grade 4 neutropenia", 22.0, NAN, NAN, NAN, "%", "",
     GRADISHAR_2005, "primary"),
    ("nab-paclitaxel", 260.0, "grade 3 sensory neuropathy", 10.0, NAN, NAN, NAN, "%",
     "vs 2%; P < .001", GRADISHAR_2005, "primary"),
    ("Cremophor paclitaxel", 175.0, "grade 3 sensory neuropathy", 2.0, NAN, NAN, NAN, "%", "",
     GRADISHAR_2005, "primary"),
]  # fmt: skip


def generate() -> pd.DataFrame:
    return pd.DataFrame(ROWS, columns=list(COLUMNS))


if __name__ == "__main__":
    print(generate().to_string())
