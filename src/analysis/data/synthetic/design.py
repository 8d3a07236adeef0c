"""The synthetic Sóc Trăng province's design: the calibration targets (the source article) and the
known truth of its data-generating process (``analysis.data.synthetic.world``).
"""

from __future__ import annotations

import numpy as np

from analysis.constants import SEED

DEFAULT_SEED = SEED
SNAPSHOT_MONTH = "2021-05"

# Calibration targets: the source article (source-article.md), Sóc Trăng, 31/5/2021.
TARGETS = {
    "groups": 3190,
    "groups_wu": 908,
    "borrowers": 150175,
    "borrowers_wu": 42884,
    "outstanding": 3826319.0,  # million VND
    "outstanding_wu": 1082342.0,
    "wu_overdue_ratio": {"2016-12": 0.036, "2020-12": 0.0087},
    "wu_weak_groups": {"2016-12": 161, "2020-12": 9},
}
# Groups per association at the snapshot (WU from the article; the split of the rest is assumed).
GROUPS_BY_ASSOCIATION = {"WU": 908, "FU": 1020, "VA": 640, "YU": 622}

# --- the known truth -----------------------------------------------------------------------
BETA_MEETINGS = -0.20  # log change in expected overdue share per extra group meeting in a month
BETA_CHECK_SHARE = -2.0  # per unit share of borrowers whose loan use was checked in the month
A_U = -0.60  # leader capacity (sd 1) on log overdue
DIRECTIVE_LEVEL = -0.10  # log-level change from 2014-11
DIRECTIVE_SLOPE = -0.008  # further log change per month after 2014-11 ...
DIRECTIVE_SLOPE_MONTHS = 36  # ... for this many months
REFORM_NAME = "Kiểm tra sử dụng vốn hằng tháng (monthly loan-use checks)"
# The reform works through its instruments: more loan-use checks (a cohort-specific rise of the
# monthly check rate on the logit scale: earlier adopters checked harder) and more group meetings.
# Its effect on overdue therefore differs across adoption cohorts, so a two-way fixed-effects
# event study is biased while Callaway-Sant'Anna is not.
REFORM_COHORTS = {  # adoption month -> (districts, rise of the check-rate logit at full strength)
    "2017-07": (("943", "948", "950"), 2.0),
    "2018-07": (("942", "946", "949"), 1.3),
    "2019-07": (("944", "951"), 0.7),
}
REFORM_RAMP_MONTHS = 30  # the reform's effect keeps growing for this many months after adoption
# District effects (log scale) average 0.05 in every adoption cohort and among never-treated
# districts, so that parallel trends hold in expectation on the percentage-point scale.
DISTRICT_EFFECT = {"941": 0.00, "945": 0.10, "947": 0.05,   # never treated
                   "943": 0.10, "948": -0.10, "950": 0.15,  # 2017-07
                   "942": 0.00, "946": 0.05, "949": 0.10,   # 2018-07
                   "944": 0.00, "951": 0.10}                # 2019-07
ASSOCIATION_EFFECT = {"WU": -0.10, "FU": 0.05, "VA": -0.05, "YU": 0.15}
SD_COMMUNE = 0.25
SALINITY_PEAK = {"coastal": 0.60, "inland": 0.25}  # 2016 salinity intrusion, log scale
Q_EPISODE = 0.22  # stationary share of group-months in an arrears episode
P_STAY = 0.80  # persistence of an arrears episode month to month
GAMMA_SHAPE = 2.0
MU_CAP = 0.20
# Meetings: group_meetings ~ Binomial(2, p), logit p = MEET0 + MEET_U*u + MEET_DIRECTIVE*post + ...
MEET0, MEET_U, MEET_DIRECTIVE, MEET_REFORM = -0.30, 0.80, 0.60, 0.30
# Checks: loan_use_checks ~ Binomial(borrowers, r), logit r = CHECK0 + CHECK_U*u + ...
CHECK0, CHECK_U, CHECK_DIRECTIVE = -3.3, 0.40, 0.70
# Pre-Directive practice gap (the Directive's "dose"): communes differ in how far their meetings and
# checks fell short before 2014-11 (gap >= 0: a district part and a commune part, half-normal), and
# the Directive closed PRACTICE_CATCH_UP of the gap. Logit shortfall = PRACTICE_MEET * gap (meetings),
# PRACTICE_CHECK * gap (checks). Where the gap was larger, meetings and checks rose more, so overdue
# fell more: a comparison inside the province (analysis.policy.directive_dose).
PRACTICE_SD = {"district": 0.6, "commune": 0.5}
PRACTICE_MEET, PRACTICE_CHECK, PRACTICE_CATCH_UP = 0.8, 0.6, 0.8
# Shocks on the log expected overdue share, shared by groups (2016 salinity aside): real provinces
# have them (prices, floods, staff changes). Sizes are log points: a stationary sd of 0.08 moves a
# 1.5% overdue ratio by about 0.12 percentage points.
SHOCKS = {
    "common_month": {"sd": 0.08, "rho": 0.7},     # province-wide, monthly AR(1)
    "district_month": {"sd": 0.08, "rho": 0.5},   # each district, monthly AR(1)
    "commune_year": {"sd": 0.10},                 # each commune, each calendar year, independent
}
# Ratings: latent = THETA . x + year_shift + logistic noise; classes cut at RATING_CUTS.
THETA = {"meetings_mean": 1.5, "check_cover": 2.0, "overdue_pct": -0.45}
RATING_CUTS = (-1.0, 0.8, 2.2)  # weak | average | fair | good
# Log-scale secular trend: knots (month -> value), linear in between; linear through 2012-2015 so
# that an interrupted time series around Directive 40 sees a straight counterfactual.
TREND_KNOTS = {"2012-01": -3.55, "2016-01": -3.43, "2017-06": -3.25, "2019-01": -3.65, "2021-05": -3.95}
SEASON = np.array([0.02, 0.10, 0.06, 0.0, -0.02, -0.03, -0.03, -0.02, 0.0, -0.01, -0.03, -0.04])

