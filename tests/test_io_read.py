"""Reading real event exports (the shared samples) into the event table."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest

from geo.io import detect_format, parse_column_mapping, read_events, rejected_rows
from geo.report import InputError
from geo.schema import EVENT_COLUMNS, FROM_UCDP

SAMPLES = {
    "acled_2020_export_sample.csv": "acled",
    "acled_2022h1_acledR_sample.csv": "acled",
    "acled_2024_syria_newschema_excerpt_transcribed.csv": "acled",
    "acled_curated_me_2022_uppercase_sample.csv": "acled",
    "airwars_syria_incidents_sample.csv": "airwars",
    "ucdp_ged231_sample_mixed.csv": "ucdp",
    "ucdp_ged_syria_652_sample.csv": "ucdp",
}


def raw(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


@pytest.fixture(scope="module")
def samples(events_dir: Path) -> dict[str, tuple[pd.DataFrame, list]]:
    return {name: read_events(events_dir / name) for name in SAMPLES}


@pytest.mark.parametrize("name", sorted(SAMPLES))
def test_every_sample_reads_whole_with_its_family(name, samples, events_dir):
    events, problems = samples[name]
    source = raw(events_dir / name)
    assert len(events) == len(source)
    assert not rejected_rows(events, problems)
    assert set(events["dataset"]) == {SAMPLES[name]}
    assert list(events.columns[: len(EVENT_COLUMNS)]) == list(EVENT_COLUMNS)
    assert events["source_row"].tolist() == list(range(1, len(source) + 1))
    assert set(events["source_file"]) == {str(events_dir / name)}
    assert events["event_id"].is_unique
    assert events["date_start"].notna().all()
    assert (events["date_end"] >= events["date_start"]).all()
    # Every original column is kept, prefixed only where it clashes with the schema.
    for column in source.columns:
        kept = f"src_{column}" if column.lower() in EVENT_COLUMNS else column
        assert events[kept].tolist() == source[column].tolist(), column


def test_acled_2020_dates_multiline_notes_and_precisions(samples, events_dir):
    events, _ = samples["acled_2020_export_sample.csv"]
    source = raw(events_dir / "acled_2020_export_sample.csv")
    first = events.iloc[0]
    assert first["event_date"] == "9-May-20"
    assert first["event_id"] == "MEX17994" and first["country"] == "MEX"
    # time_precision 2: a week around the coded day.
    assert first["time_precision"] == "2" and first["date_precision"] == "week"
    assert first["date_start"] == pd.Timestamp("2020-05-06")
    assert first["date_end"] == pd.Timestamp("2020-05-12")
    assert (events["notes"] == source["notes"]).all()
    month = events[events["time_precision"] == "3"].iloc[0]
    assert month["date_start"].day == 1 and (month["date_end"] + pd.Timedelta(days=1)).day == 1
    syria = events[events["country"] == "SYR"]
    assert len(syria) == 100
    assert (syria["admin1_hint"] == syria["admin1"]).all()
    assert events["geo_precision"].value_counts().to_dict() == {
        "point": 100,
        "near": 49,
        "region": 1,
    }
    assert (events["geo_method"] == "source").all()


def test_acled_multiline_notes_in_a_crlf_export(events_dir, tmp_path):
    # Real 2020 exports carry notes with line breaks inside quotes, in CRLF files.
    with (events_dir / "acled_2020_export_sample.csv").open(newline="") as handle:
        rows = list(csv.reader(handle))[:4]
    note = "On 9 May 2020, airstrikes near al-Bukamal.\r\nSecond paragraph: no fatalities."
    rows[2][rows[0].index("notes")] = note
    path = tmp_path / "acled_multiline.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        csv.writer(handle, lineterminator="\r\n").writerows(rows)
    events, problems = read_events(path)
    assert len(events) == 3 and not rejected_rows(events, problems)
    assert events.loc[1, "notes"] == note
    assert events["source_row"].tolist() == [1, 2, 3]
    assert events.loc[2, "event_id"] == rows[3][rows[0].index("event_id_cnty")]


def test_acled_layouts_numeric_text_and_uppercase(samples):
    acledr, _ = samples["acled_2022h1_acledR_sample.csv"]
    assert set(acledr["inter1"]) <= {str(n) for n in range(9)}
    assert acledr["disorder_type"].notna().all()
    current, _ = samples["acled_2024_syria_newschema_excerpt_transcribed.csv"]
    assert "Identity militia" in set(current["inter1"])
    assert (current["country"] == "SYR").all()
    upper, _ = samples["acled_curated_me_2022_uppercase_sample.csv"]
    assert upper.loc[0, "date_start"] == pd.Timestamp("2022-01-06")
    assert upper.loc[0, "location"] == "Baghdad - Al Rashid"
    assert upper.loc[0, "src_LATITUDE"] == "33.236" and upper.loc[0, "latitude"] == 33.236
    assert upper["event_id"].str.startswith("acled_curated_me_2022_uppercase_sample-").all()
    assert upper["country"].value_counts().to_dict() == {"SYR": 80, "YEM": 14, "IRQ": 6}


def test_ucdp_country_release_precisions_and_governorate_suffix(samples):
    events, _ = samples["ucdp_ged_syria_652_sample.csv"]
    assert not events["admin1_hint"].dropna().str.contains("overnorate").any()
    assert "Rif Dimashq" in set(events["admin1_hint"])
    assert events["adm_1"].str.endswith(" Governorate").sum() > 200
    expected = {"1": "day", "2": "span", "3": "week", "4": "month", "5": "year"}
    assert (events["date_prec"].map(expected) == events["date_precision"]).all()
    where = events["where_prec"].astype(int)
    assert (events["geo_precision_ucdp"].astype(int) == where).all()
    assert (events["geo_precision"] == where.map(FROM_UCDP)).all()
    assert (events["location"] == events["where_coordinates"]).all()
    assert (events["fatalities"].astype(int) == events["best"].astype(int)).all()
    assert events["event_type"].value_counts().index.tolist()[0] in {
        "State-based conflict",
        "Non-state conflict",
        "One-sided violence",
    }
    year = events[events["date_prec"] == "5"].iloc[0]
    assert year["date_start"] == pd.Timestamp(year["src_date_start"])


def test_ucdp_ged231_mixed_countries_kept(samples):
    events, _ = samples["ucdp_ged231_sample_mixed.csv"]
    assert (events["country"] == "SYR").sum() == 70
    assert {"AFG", "COL", "COD", "UKR"} <= set(events["country"])
    assert events["country"].notna().all()
    assert events.loc[0, "date_start"] == pd.Timestamp("2013-03-25")
    assert events.loc[0, "src_date_start"] == "2013-03-25 00:00:00"
    assert events.loc[0, "admin1_hint"] == "Homs"


def test_airwars_coordinates_accuracy_and_date_range(samples):
    events, problems = samples["airwars_syria_incidents_sample.csv"]
    located = events["geo_method"] == "source"
    assert located.sum() == 49
    assert events.loc[~located, "latitude"].isna().all()
    accuracy = events.set_index("geolocation_accuracy")["geo_precision"].dropna().to_dict()
    assert accuracy["village"] == "point" and accuracy["nearby_landmark"] == "near"
    assert accuracy["district"] == "adm2" and accuracy["subdistrict"] == "adm3"
    ranged = events[events["date_type"] == "date_range"].iloc[0]
    assert ranged["date_precision"] == "span"
    assert ranged["date_end"] == pd.Timestamp(ranged["incident_date_range_end"])
    assert set(events["time"].dropna()) >= {"01:00", "11:30"}
    assert "evening" in set(events["local_time"])
    assert events["source_url"].str.startswith("https://airwars.org/").all()
    assert not problems


def test_impossible_coordinates_are_reported_not_mapped(events_dir, tmp_path):
    source = raw(events_dir / "airwars_syria_incidents_sample.csv")
    dirty = source.head(5).copy()
    dirty.loc[0, "longitude"] = "4239.00416"  # the real bad row in the Airwars archive
    dirty.loc[1, ["latitude", "longitude"]] = ["36.63393", "135.93062"]
    dirty.loc[1, "latitude"] = "136.63393"  # lat out of range, fits as a longitude: swapped
    dirty.loc[1, "longitude"] = "35.93062"
    dirty.loc[2, ["latitude", "longitude"]] = ["0", "0"]
    dirty.loc[3, ["latitude", "longitude"]] = ["36.1", ""]
    dirty.loc[4, "latitude"] = "north"
    path = tmp_path / "airwars_dirty.csv"
    dirty.to_csv(path, index=False)
    events, problems = read_events(path)
    assert len(events) == 5 and not rejected_rows(events, problems)
    assert events["latitude"].isna().all() and events["geo_method"].isna().all()
    by_row = {p.row: p for p in problems}
    assert set(by_row) == {1, 2, 3, 4, 5}
    assert "out of range" in by_row[1].reason and "4239.00416" in by_row[1].value
    assert "swapped" in by_row[2].reason
    assert "0,0" in by_row[3].reason
    assert "only one" in by_row[4].reason
    assert "not a number" in by_row[5].reason
    assert all(p.stage == "read" and p.file == str(path) for p in problems)
    assert events.loc[0, "src_longitude"] == "4239.00416"


def test_seed_events_native_layout(demo_events):
    events, problems = read_events(demo_events)
    assert not problems and detect_format(list(raw(demo_events).columns)) == "geo"
    raid, damascus, badiya = (events.iloc[i] for i in range(3))
    assert raid["event_id"] == "dumayr-raid-1" and raid["time"] == "03:00"
    assert raid["date_start"] == raid["date_end"] == pd.Timestamp("2023-10-19")
    assert raid["location"] == "Dumayr" and raid["fatalities"] == 1
    assert damascus["location"] == "Damascus"
    assert badiya["date_precision"] == "span"
    assert (badiya["date_start"], badiya["date_end"]) == (
        pd.Timestamp("2022-01-01"),
        pd.Timestamp("2023-10-19"),
    )
    # Schema columns are read as the schema, not kept twice; the rest is kept.
    assert "src_location" not in events and events["role"].tolist()[0] == "event"


def test_mixed_inputs_combine_with_unique_ids(events_dir, demo_events, tmp_path):
    files = [events_dir / "acled_2024_syria_newschema_excerpt_transcribed.csv", demo_events]
    # Two exports that overlap (a later download of the same rows) keep every row, renamed.
    later = tmp_path / "acled_later.csv"
    later.write_bytes(files[0].read_bytes())
    events, problems = read_events([*files, later])
    assert len(events) == 13 + 3 + 13
    assert events["dataset"].value_counts().to_dict() == {"acled": 26, "geo": 3}
    assert events["event_id"].is_unique
    renamed = [p for p in problems if p.field == "event_id"]
    assert len(renamed) == 13 and all("~2" in p.reason for p in renamed)
    assert events["event_id"].iloc[-13].endswith("~2")
    assert not rejected_rows(events, problems)


def test_a_file_named_twice_is_read_once(events_dir, demo_events, monkeypatch):
    acled = events_dir / "acled_2024_syria_newschema_excerpt_transcribed.csv"
    monkeypatch.chdir(events_dir)
    # As overlapping shell globs give it: the same file by another path.
    events, problems = read_events([acled, demo_events, acled.name])
    assert len(events) == 13 + 3
    (again,) = [p for p in problems if p.field == "file"]
    assert again.file == acled.name and again.row is None
    assert again.reason == f"given again (as {str(acled)!r}); read once"
    assert not [p for p in problems if p.field == "event_id"]


def test_unparseable_and_missing_dates_are_rejected_and_counted(events_dir, tmp_path):
    source = raw(events_dir / "acled_2024_syria_newschema_excerpt_transcribed.csv")
    source.loc[2, "event_date"] = "sometime in June"
    source.loc[5, "event_date"] = ""
    path = tmp_path / "acled.csv"
    source.to_csv(path, index=False)
    events, problems = read_events(path)
    rejected = rejected_rows(events, problems)
    assert rejected == {(str(path), 3), (str(path), 6)}
    assert len(events) + len(rejected) == len(source)
    by_row = {p.row: p for p in problems}
    assert by_row[3].field == "event_date" and by_row[3].value == "sometime in June"
    assert "not a date" in by_row[3].reason and by_row[6].reason == "missing date"


def test_generic_table_with_column_mapping(tmp_path):
    path = tmp_path / "reports.tsv"
    path.write_text(
        "Date\tPlace\tWhat\tDead\n19/10/2023\tDumayr\traid\t1\n2023-10\tDamascus\tstatement\t\n"
        "2022\tthe Badiya\toperations\t0\n",
        encoding="utf-8",
    )
    mapping = parse_column_mapping("date=Date,location=Place,event_type=What,fatalities=Dead")
    events, problems = read_events(path, columns=mapping)
    assert not problems
    assert events["dataset"].unique().tolist() == ["generic"]
    assert events["date_precision"].tolist() == ["day", "month", "year"]
    assert events["date_start"].tolist() == [
        pd.Timestamp("2023-10-19"),
        pd.Timestamp("2023-10-01"),
        pd.Timestamp("2022-01-01"),
    ]
    assert events["date_end"].tolist()[1:] == [
        pd.Timestamp("2023-10-31"),
        pd.Timestamp("2022-12-31"),
    ]
    assert events["location"].tolist() == ["Dumayr", "Damascus", "the Badiya"]
    assert events["fatalities"].tolist()[0] == 1 and pd.isna(events["fatalities"].iloc[1])
    assert events["event_id"].tolist() == ["reports-1", "reports-2", "reports-3"]


@pytest.mark.parametrize("family", ["generic", "acled", "ucdp"])
def test_a_count_that_is_not_a_number_is_reported_not_silently_lost(tmp_path, family):
    header, row = {
        "generic": ("date,location,killed", "2023-10-19,Dumayr,{n}"),
        "acled": (
            "event_id_cnty,event_date,event_type,actor1,location,fatalities",
            "SYR{id},19 October 2023,Battles,X,Dumayr,{n}",
        ),
        "ucdp": (
            "id,date_start,date_end,type_of_violence,side_a,where_coordinates,best",
            "{id},2023-10-19,2023-10-19,1,X,Dumayr,{n}",
        ),
    }[family]
    path = tmp_path / "counts.csv"
    path.write_text("\n".join([header, row.format(id=1, n="two"), row.format(id=2, n=3)]) + "\n")
    events, problems = read_events(
        path, columns={"fatalities": "killed"} if family == "generic" else None
    )
    assert events["dataset"].tolist() == [family] * 2  # both rows stay events
    assert pd.isna(events["fatalities"].iloc[0]) and events["fatalities"].iloc[1] == 3
    column = {"generic": "killed", "acled": "fatalities", "ucdp": "best"}[family]
    assert [str(p) for p in problems] == [
        f"{path}:1: {column} ('two'): not a whole number >= 0; fatalities left unknown"
    ]


def test_column_mapping_from_file_and_errors(tmp_path):
    mapping_file = tmp_path / "columns.txt"
    mapping_file.write_text("# my sheet\ndate=Date\nplace=Where\n", encoding="utf-8")
    assert parse_column_mapping(mapping_file) == {"date": "Date", "location": "Where"}
    json_file = tmp_path / "columns.json"
    json_file.write_text('{"date": "When", "lat": "Y", "lon": "X"}', encoding="utf-8")
    assert parse_column_mapping(json_file) == {"date": "When", "latitude": "Y", "longitude": "X"}
    with pytest.raises(InputError, match="unknown field 'when'.*allowed: actor1"):
        parse_column_mapping("when=Date")
    with pytest.raises(InputError, match="'Date' is not FIELD=COLUMN"):
        parse_column_mapping("location=Place,Date")
    with pytest.raises(InputError, match="no mapping file .*missing.json"):
        parse_column_mapping(tmp_path / "missing.json")
    json_file.write_text('[["date", "When"]]', encoding="utf-8")
    with pytest.raises(InputError, match="columns.json: expected a JSON object"):
        parse_column_mapping(json_file)
    mapping_file.write_bytes(b"date=\xff\xfe\n")
    with pytest.raises(InputError, match="columns.txt: cannot read the column mapping"):
        parse_column_mapping(mapping_file)
    table = tmp_path / "t.csv"
    table.write_text("Day,Place\n2023-10-19,Dumayr\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"t\.csv: --columns date=Date: no column 'Date'"):
        read_events(table, columns={"date": "Date"})
    events, _ = read_events(table, columns={"date": "Day"})
    assert events.loc[0, "location"] == "Dumayr"


def test_xlsx_spreadsheet(tmp_path):
    path = tmp_path / "sheet.xlsx"
    pd.DataFrame(
        {
            "Date": [pd.Timestamp("2023-10-19"), pd.Timestamp("2023-10-20")],
            "Town": ["Dumayr", "Damascus"],
            "Lat": [33.6436, None],
            "Lon": [36.6939, None],
        }
    ).to_excel(path, index=False)
    events, problems = read_events(path, columns={"date": "Date", "location": "Town"})
    assert not problems
    assert events["date_start"].tolist() == [pd.Timestamp("2023-10-19"), pd.Timestamp("2023-10-20")]
    assert events.loc[0, "latitude"] == 33.6436 and events.loc[0, "geo_method"] == "source"
    assert pd.isna(events.loc[1, "latitude"])


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"", "file is empty"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary data"),
        (b"happened,where\nyesterday,Dumayr\n", "no date column; expected one of date, event_date"),
        (b"date,who\n2023-10-19,someone\n", "no place column"),
    ],
)
def test_unreadable_files_name_the_file(tmp_path, content, message):
    path = tmp_path / "events.csv"
    path.write_bytes(content)
    with pytest.raises(InputError, match=message) as error:
        read_events(path)
    assert str(error.value).startswith(str(path)) and "\n" not in str(error.value)


def test_missing_file_and_unknown_format(tmp_path, demo_events):
    with pytest.raises(InputError, match="no such file"):
        read_events(tmp_path / "nope.csv")
    with pytest.raises(
        InputError, match="unknown format 'acledd'; expected one of geo, ucdp, acled"
    ):
        read_events(demo_events, format="acledd")


def test_format_override(demo_events, events_dir):
    events, _ = read_events(demo_events, format="generic")
    assert events["dataset"].unique().tolist() == ["generic"]
    assert events.loc[0, "location"] == "Dumayr"
    with pytest.raises(InputError, match="no 'event_date' column, which acled files have"):
        read_events(events_dir / "ucdp_ged_syria_652_sample.csv", format="acled")


def _write_rows(path: Path, rows: list[list[str]], *, encoding="utf-8", delimiter=","):
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle, delimiter=delimiter).writerows(rows)


def test_bom_cp1256_semicolons_and_duplicated_headers(tmp_path):
    rows = [["date", "location", "location", "notes"], ["2023-10-19", "الضمير", "Dumayr", "غارة"]]
    bom = tmp_path / "bom.csv"
    _write_rows(bom, rows, encoding="utf-8-sig")
    arabic = tmp_path / "arabic.csv"
    _write_rows(arabic, rows, encoding="cp1256", delimiter=";")
    for path in (bom, arabic):
        events, problems = read_events(path)
        assert len(events) == 1
        assert events.loc[0, "location"] == "الضمير" and events.loc[0, "notes"] == "غارة"
        assert events.loc[0, "location_2"] == "Dumayr"
        assert any(p.field == "location" and "duplicated" in p.reason for p in problems)
        assert not rejected_rows(events, problems)
    _, problems = read_events(arabic)
    assert any(p.field == "encoding" and "cp1256" in p.reason for p in problems)


def test_truncated_and_ragged_csv_rows_are_accounted(tmp_path):
    path = tmp_path / "ragged.csv"
    path.write_text(
        "date,location,notes\n"
        "2023-10-19,Dumayr,ok\n"
        "2023-10-20,Damascus,too,many,fields\n"
        "2023-10-21,Homs\n"
        "\n"
        '2023-10-22,Hama,"cut off in the mid',
        encoding="utf-8",
    )
    events, problems = read_events(path)
    assert events["location"].tolist() == ["Dumayr", "Homs"]
    rejected = rejected_rows(events, problems)
    assert rejected == {(str(path), 2), (str(path), 4)}
    reasons = {p.row: p.reason for p in problems}
    assert "has 5 fields but the header has 3" in reasons[2]
    assert "truncated" in reasons[4]


def test_a_stray_nul_in_a_tiny_file_is_dirt_not_binary(tmp_path):
    # found by the property test: one NUL in a 50-byte file is more than 1% of it
    path = tmp_path / "tiny.csv"
    path.write_bytes(b"Date,Place\n2023-10-19,Dumayr\x00\n")
    events, _ = read_events(path)
    assert len(events) == 1 and events.loc[0, "location"].startswith("Dumayr")


def test_header_only_file_reads_no_events(tmp_path):
    path = tmp_path / "header.csv"
    path.write_text("date,location\n", encoding="utf-8")
    events, problems = read_events(path)
    assert len(events) == 0 and not problems
    assert list(events.columns) == list(EVENT_COLUMNS)


def test_ucdp_coordinates_checked_against_geom_wkt(events_dir, tmp_path):
    source = raw(events_dir / "ucdp_ged_syria_652_sample.csv").head(3).copy()
    lat, lon = source.loc[0, "latitude"], source.loc[0, "longitude"]
    source.loc[0, ["latitude", "longitude"]] = [lon, lat]  # swapped; geom_wkt is right
    source.loc[1, "latitude"] = "12.5"
    path = tmp_path / "ged.csv"
    source.to_csv(path, index=False)
    events, problems = read_events(path)
    assert events["latitude"].isna().tolist() == [True, True, False]
    by_row = {p.row: p for p in problems}
    assert set(by_row) == {1, 2}
    assert "look swapped" in by_row[1].reason and "POINT" in by_row[1].value
    assert "disagree with geom_wkt" in by_row[2].reason
    assert events.loc[0, "location"] == source.loc[0, "where_coordinates"]


def test_airwars_legacy_coordinates_used_when_current_ones_missing(events_dir, tmp_path):
    source = raw(events_dir / "airwars_syria_incidents_sample.csv").iloc[4:6].copy()
    source.iloc[0, source.columns.get_loc("latitude")] = ""
    source.iloc[0, source.columns.get_loc("longitude")] = ""
    path = tmp_path / "airwars_legacy.csv"
    source.to_csv(path, index=False)
    events, problems = read_events(path)
    assert not problems
    assert events.loc[0, "latitude"] == float(source.iloc[0]["legacy_latitude"])
    assert events.loc[0, "geo_method"] == "source"


def test_utf16_tabs_and_pipes(tmp_path):
    utf16 = tmp_path / "excel_unicode.txt"
    utf16.write_text("date\tlocation\n2023-10-19\tالضمير\n", encoding="utf-16")
    piped = tmp_path / "piped.txt"
    piped.write_text("date|location\n19 October 2023|Dumayr\n", encoding="utf-8")
    for path, place in ((utf16, "الضمير"), (piped, "Dumayr")):
        events, _ = read_events(path)
        assert events.loc[0, "location"] == place
        assert events.loc[0, "date_start"] == pd.Timestamp("2023-10-19")
