"""The official registry of units (vietnamadminunits) and users' data against it.

Counts are the data set's, stated in shared/domain.md 5.3 (measured from the package): 63 provinces,
696 districts and 10,035 communes before 1 July 2025; 34 provinces and 3,321 communes after; 471 old
communes divided, each with one default successor; Sóc Trăng 108 -> 43 (50 with the parts of divided
communes); Phường 5 of TP Sóc Trăng is 31498. Sóc Trăng's mergers named in domain.md 5.2 (Tien Phong,
20/4/2025) are an outside check of the map.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from analysis.data import hierarchy, official, registry
from analysis.data.synthetic import country, provinces
from analysis.errors import UserError
from analysis.run import runfile


def test_units_before_and_after_and_the_map():
    old = registry.old_communes()
    assert (len(registry.old_provinces()), len(registry.old_districts()), len(old)) == (63, 696, 10_035)
    assert old["commune"].is_unique and old["commune"].str.fullmatch(r"\d{5}").all()
    islands = registry.old_communes(islands=True)
    assert sorted(islands.loc[islands["commune_type"] == "island_district", "commune_name"]) == [
        "Huyện Bạch Long Vĩ", "Huyện Côn Đảo", "Huyện Cồn Cỏ", "Huyện Hoàng Sa", "Huyện Lý Sơn"]
    assert (len(registry.new_provinces()), len(registry.new_communes())) == (34, 3_321)
    cw = registry.crosswalk()
    assert cw.groupby("commune")["default"].sum().eq(1).all()  # one official default each
    assert set(cw["commune"]) == set(islands["commune"])
    assert cw.loc[cw["divided"], "commune"].nunique() == 471
    assert cw["new_commune"].nunique() == 3_321
    assert len(registry.successor_province()) == 63 and set(registry.successor_province().values()) == set(
        registry.new_provinces()["new_province"])


def test_soc_trang_and_its_successors_in_can_tho():
    old = registry.old_communes()
    st = old[old["province"] == "94"]
    assert len(st) == 108 and st["district"].nunique() == 11
    assert st.loc[st["commune"] == "31498", "commune_name"].item() == "Phường 5"
    succ = registry.successors()
    st_succ = succ[succ["province"] == "94"]
    assert st_succ["new_commune"].nunique() == 43 and set(st_succ["new_province"]) == {"92"}
    cw = registry.crosswalk()
    assert cw.loc[cw["province"] == "94", "new_commune"].nunique() == 50
    by_name = st_succ.set_index("commune_name")["new_commune_name"]
    # domain.md 5.2: Phường 10 + TT Mỹ Xuyên + Đại Tâm -> Phường Mỹ Xuyên;
    # Long Bình + Tân Long + Thạnh Tân -> Xã Tân Long
    assert {by_name["Phường 10"], by_name["Thị trấn Mỹ Xuyên"], by_name["Xã Đại Tâm"]} == {"Phường Mỹ Xuyên"}
    assert {by_name["Xã Long Bình"], by_name["Xã Tân Long"], by_name["Xã Thạnh Tân"]} == {"Xã Tân Long"}
    assert provinces.new_provinces()["92"].members == ("92", "93", "94")


@pytest.mark.parametrize("a, b", [("Xã Thuận Hoà", "Thuận Hòa"), ("Phường 05", "P. 5"),
                                  ("TT Châu Thành", "Thị trấn Châu Thành"),
                                  ("Huyện Kế Sách", "kế sách"), ("TP Sóc Trăng", "Thành phố Sóc Trăng"),
                                  ("TX  Ngã Năm", "Thị xã Ngã Năm")])
def test_names_match_across_prefixes_and_tone_placement(a, b):
    assert registry.name_key(a) == registry.name_key(b)


def test_names_that_differ_do_not_match():
    assert registry.name_key("Phú Tâm") != registry.name_key("Phú Tân")
    assert registry.name_key("Phường 1") != registry.name_key("Phường 10")


def test_find_commune_by_names_accents_and_aliases():
    found = registry.find_commune("Dai Tam", district_name="Mỹ Xuyên", province_name="Sóc Trăng")
    assert found["commune"].tolist() == [registry.find_commune("Xã Đại Tâm")["commune"].item()]
    # Phường 9 of TP Sóc Trăng, merged before 2025: the registry keeps it as an alias of Phường 1
    p9 = registry.find_commune("Phường 9", district_name="TP Sóc Trăng")
    assert p9["commune"].tolist() == ["31522"] and p9["commune_name"].item() == "Phường 1"


def test_the_whole_synthetic_country_is_the_registry_code_for_code():
    plan = country.make_plan(scale=0.01)
    units = pd.concat([country.province_units(plan, code) for code in sorted(plan.specs)], ignore_index=True)
    islands = registry.old_communes(islands=True)
    assert sorted(units["commune"]) == sorted(islands["commune"].astype(str))
    assert (units["province"].nunique(), units["district"].nunique()) == (63, 696)
    assert (units["commune_type"] != "island_district").sum() == 10_035
    default = registry.successors().set_index("commune")["new_commune"]
    assert (units["successor_commune"] == units["commune"].map(default)).all()
    assert units["successor_province"].nunique() == 34
    assert set(registry.crosswalk()["new_commune"]) >= set(units["successor_commune"])


# --- users' data --------------------------------------------------------------------------------------

def _folder(tmp_path: Path, units: pd.DataFrame, groups: pd.DataFrame, months=("2025-06", "2025-07")) -> Path:
    gm = pd.DataFrame([(g, m, 30, 500.0, 5.0) for g in groups["group_id"] for m in months],
                      columns=["group_id", "month", "borrowers", "outstanding", "overdue"])
    units.to_csv(tmp_path / "units.csv", index=False)
    groups.to_csv(tmp_path / "groups.csv", index=False)
    gm.to_csv(tmp_path / "group_months.csv", index=False)
    return tmp_path


def _soc_trang_units(n=6) -> pd.DataFrame:
    """``n`` communes of Sóc Trăng, half in TP Sóc Trăng (941) and half in Châu Thành (942): two districts,
    as the models need."""
    old = registry.old_communes()
    st = old[old["district"].isin(["941", "942"])].groupby("district").head(max(n // 2, 1))
    return st[["province", "province_name", "district", "district_name", "commune", "commune_name"]].copy()


def _groups(units: pd.DataFrame) -> pd.DataFrame:
    return pd.DataFrame({"group_id": [f"g{i}" for i in range(len(units))], "commune": units["commune"].to_numpy(),
                         "association": "WU"})


def _validate(folder: Path):
    from analysis.data import io, schema

    tables, issues = io.collect_folder(folder)
    tables, filled = official.fill_successors(tables)
    return tables, schema.validate(tables, extra_issues=[*issues, *filled])


def test_data_past_june_2025_get_the_official_successors(tmp_path):
    units = _soc_trang_units()
    tables, report = _validate(_folder(tmp_path, units, _groups(units)))
    assert report.ok
    filled = [i for i in report.warnings if i.rule == "successors_filled"]
    assert len(filled) == 1 and f"{len(units)} communes" in filled[0].message
    default = registry.successors().set_index("commune")
    assert (tables["units"]["successor_commune"] == tables["units"]["commune"].map(default["new_commune"])).all()
    assert (tmp_path / "units.csv").read_text().count("successor") == 0  # the input is not touched


def test_data_before_july_2025_are_not_filled(tmp_path):
    units = _soc_trang_units()
    tables, report = _validate(_folder(tmp_path, units, _groups(units), months=("2020-01", "2020-02")))
    assert "successor_commune" not in tables["units"] and not [i for i in report.issues if i.rule.startswith("succ")]


def test_a_wrong_name_and_an_unknown_code_give_one_warning_line_each(tmp_path):
    units = _soc_trang_units()
    units.iloc[1, units.columns.get_loc("commune_name")] = "Xã Không Có Thật"
    units.iloc[2, units.columns.get_loc("commune")] = "99999"
    _, report = _validate(_folder(tmp_path, units, _groups(units)))
    assert report.ok
    text = report.to_text().splitlines()
    name = [line for line in text if "[name_mismatch]" in line]
    code = [line for line in text if "[unknown_code]" in line]
    assert len(name) == 1 and "row 3" in name[0] and "Xã Không Có Thật" in name[0] and "registry:" in name[0]
    assert len(code) == 1 and "row 4" in code[0] and "99999" in code[0] and "merged between 2019 and 2024" in code[0]
    assert "units.csv" in name[0]


def test_a_commune_under_the_wrong_district_is_named(tmp_path):
    units = _soc_trang_units()
    units.iloc[0, units.columns.get_loc("district")] = "943"
    _, report = _validate(_folder(tmp_path, units, _groups(units)))
    wrong = [i for i in report.warnings if i.rule == "wrong_parent"]
    assert len(wrong) == 1 and "under district 943 (registry: 941" in wrong[0].value


def test_the_users_own_successor_wins_with_a_warning_naming_both(tmp_path):
    units = _soc_trang_units(2)
    units["valid_to"] = "2025-06-30"
    units["successor_commune"] = ["31999", registry.successors().set_index("commune").loc[units["commune"].iloc[1],
                                                                                          "new_commune"]]
    units["successor_province"] = "92"
    tables, report = _validate(_folder(tmp_path, units, _groups(units)))
    differs = [i for i in report.warnings if i.rule == "successor_official"]
    assert len(differs) == 1 and "yours 31999" in differs[0].value
    assert "official 31507 Phường Sóc Trăng" in differs[0].value
    assert tables["units"]["successor_commune"].iloc[0] == "31999"


def test_bank_codes_are_left_alone(tmp_path):
    units = pd.DataFrame({"province": "94", "district": ["D1", "D2"], "district_name": ["Kế Sách", "Mỹ Tú"],
                          "commune": ["C1", "C2"], "commune_name": ["A", "B"]})
    tables, report = _validate(_folder(tmp_path, units, _groups(units)))
    assert report.ok and [i.rule for i in report.warnings if i.rule.startswith("success")] == ["successors_missing"]


def test_groups_of_a_divided_commune_go_where_the_data_say_or_to_the_default():
    cw = registry.crosswalk()
    divided = cw[cw["divided"] & (cw["province"] == "94")]
    commune = divided["commune"].iloc[0]
    other = divided.loc[(divided["commune"] == commune) & ~divided["default"], "new_commune"].iloc[0]
    default = divided.loc[(divided["commune"] == commune) & divided["default"], "new_commune"].item()
    old = registry.old_communes()
    after = pd.DataFrame({"month": [pd.Timestamp("2025-08-01")]})
    units = official.fill_successors({"units": old[old["commune"] == commune].assign(valid_to=pd.NaT),
                                      "group_months": after})[0]["units"]
    groups = pd.DataFrame({"group_id": ["a", "b", "c"], "commune": commune,
                           "successor_commune": [other, None, None]})
    gm = pd.DataFrame({"group_id": ["b", "b"], "month": pd.to_datetime(["2025-06-01", "2025-07-01"]),
                       "new_commune": [None, other]})
    placed = hierarchy.group_successors(groups, units, gm).set_index("group_id")
    assert placed.loc["a", "new_commune"] == other and placed.loc["a", "placed"] == "data"
    assert placed.loc["b", "new_commune"] == other and placed.loc["b", "placed"] == "data"  # from the months
    assert placed.loc["c", "new_commune"] == default and placed.loc["c", "placed"] == "default"
    assert hierarchy.placement_counts(placed["placed"]) == {"data": 2, "default": 1, "whole": 0}


def test_phuong_9_follows_its_merger_to_the_2025_unit():
    from analysis.data.synthetic import geography

    cm = hierarchy.commune_map(geography.units_table()).set_index("commune")
    assert cm.loc["941-P9", "new_commune"] == cm.loc["31522", "new_commune"]
    assert cm.loc["941-P9", "new_province"] == "92"


# --- which run the data call for --------------------------------------------------------------------------

def test_the_run_is_chosen_from_the_data(tmp_path):
    one = tmp_path / "one"
    one.mkdir()
    _soc_trang_units().to_csv(one / "units.csv", index=False)
    assert runfile.run_for_data(one)[0] == runfile.DEFAULT_RUN
    three = tmp_path / "three"
    three.mkdir()
    old = registry.old_communes()
    old[old["province"].isin(["92", "93", "94"])][["province", "district", "commune"]].to_csv(three / "units.csv",
                                                                                          index=False)
    run, why = runfile.run_for_data(three)
    assert run == runfile.NATIONAL_RUN and "3 provinces" in why
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(UserError, match="--run"):
        runfile.run_for_data(empty)


def test_a_slice_of_the_country_without_successors_is_filled_and_reported_as_the_new_can_tho(tmp_path, capsys):
    """Cần Thơ, Hậu Giang and Sóc Trăng with the successor columns removed: validate passes and fills them,
    the national run is chosen and plans the new Cần Thơ (92) from all three."""
    from analysis.data import loading, panel
    from analysis.data.schema import add_arguments, run
    from analysis.run import plan

    data = tmp_path / "slice"
    country.write_country(data, scale=0.01, codes=["92", "93", "94"])
    units = pd.read_parquet(data / "units.parquet")
    units.drop(columns=[c for c in units if c.startswith("successor_")]).to_parquet(data / "units.parquet")
    for part in (data / "groups").rglob("*.parquet"):
        pd.read_parquet(part).drop(columns=["successor_commune"]).to_parquet(part)
    import argparse

    parser = argparse.ArgumentParser()
    add_arguments(parser)
    assert run(parser.parse_args([str(data)])) == 0
    out = capsys.readouterr().out
    assert "[successors_filled]" in out and f"successors of {len(units)} communes were filled" in out
    assert runfile.run_for_data(data)[0] == runfile.NATIONAL_RUN
    assert plan.read_provinces(data, new=True) == [("92", "Cần Thơ")]
    frame = panel.build(loading.load(data))
    assert set(frame["new_province"]) == {"92"} and set(frame["province"]) == {"92", "93", "94"}
    after = frame[frame["after_reorganisation"] == 1]
    assert set(after["province_in_force"]) == {"92"} and len(after)
