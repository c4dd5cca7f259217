"""Metric files of every format read into series: values, UTC times, labels, units, lines,
gaps and where the zone came from; and the errors of bad input."""

from __future__ import annotations

import datetime as dt
import gzip
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from retroline.errors import EncodingError, FormatError, InputError, ParseError, UsageError
from retroline.metrics.read import FORMATS, detect_format, read_series
from retroline.metrics.samples import split_bracket
from retroline.metrics.series import Series
from retroline.sources import ZoneSource
from tests.conftest import never_hangs

Write = Callable[..., Path]


@pytest.fixture
def write(tmp_path: Path) -> Write:
    """Writes a metric file into the test's folder and hands back its path."""

    def _write(text: str, name: str = "metrics.txt") -> Path:
        path = tmp_path / name
        path.write_text(text.lstrip("\n"), encoding="utf-8")
        return path

    return _write


def utc(text: str) -> float:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC).timestamp()


def by_label(series: list[Series]) -> dict[str, Series]:
    return {s.label: s for s in series}


def values(series: Series) -> list[float | None]:
    """The values, NaN as None (so lists compare)."""
    return [None if math.isnan(v) else float(v) for v in series.values]


# --- CSV -----------------------------------------------------------------------------------


def test_wide_csv_names_units_gaps_lines_and_label_columns(write: Write) -> None:
    path = write(
        """
time,mem (MiB),latency_ms,GDP (constant LCU),host
2024-03-01T10:00:00Z,100,5,1,a
2024-03-01T10:01:00Z,,6,2,a
2024-03-01T10:02:00+01:00,NaN,7,3,a
"""
    )
    found = {s.name: s for s in read_series(path)}
    assert sorted(found) == ["GDP (constant LCU)", "latency_ms", "mem"]
    mem = found["mem"]
    assert mem.unit == "MiB"
    assert found["latency_ms"].unit == "ms"
    assert found["GDP (constant LCU)"].unit is None
    assert mem.labels == {"host": "a"}
    # 10:02+01:00 is 09:02 UTC: first in time order, with its line.
    assert mem.times.tolist() == [
        utc("2024-03-01T09:02:00"),
        utc("2024-03-01T10:00:00"),
        utc("2024-03-01T10:01:00"),
    ]
    assert values(mem) == [None, 100.0, None]
    assert mem.lines.tolist() == [4, 2, 3]
    assert mem.source.format == "csv"
    assert mem.source.zone_source is ZoneSource.EXPLICIT


def test_semicolon_csv_with_decimal_commas_and_tz_option(write: Write) -> None:
    path = write("Zeit;time;cpu\nx;2024-03-01 10:00:00;1,5\nx;2024-03-01 10:05:00;2,25\n")
    (cpu,) = [s for s in read_series(path, tz="Europe/Berlin") if s.name == "cpu"]
    assert values(cpu) == [1.5, 2.25]
    assert cpu.times.tolist() == [utc("2024-03-01T09:00:00"), utc("2024-03-01T09:05:00")]
    assert cpu.source.zone_source is ZoneSource.OPTION
    assert cpu.source.zone == "Europe/Berlin"
    assert cpu.labels == {"Zeit": "x"}


def test_tab_csv_without_zone_assumes_utc(write: Write) -> None:
    path = write("timestamp\trps\n2024-03-01 10:00:00\t3\n")
    (rps,) = read_series(path)
    assert rps.times.tolist() == [utc("2024-03-01T10:00:00")]
    assert rps.source.zone_source is ZoneSource.ASSUMED
    assert rps.source.zone == "UTC"


def test_time_header_states_the_zone(write: Write) -> None:
    path = write("Time (America/New_York),v\n2024-07-01 08:00:00,1\n")
    (v,) = read_series(path, tz="Asia/Tokyo")
    assert v.times.tolist() == [utc("2024-07-01T12:00:00")]
    assert v.source.zone_source is ZoneSource.DOCUMENT
    assert v.source.zone == "America/New_York"


def test_csv_rows_out_of_order_are_sorted_stably(write: Write) -> None:
    path = write("time,v\n300,3\n100,1\n300,4\n200,2\n")
    (v,) = read_series(path)
    assert v.times.tolist() == [100.0, 200.0, 300.0, 300.0]
    assert values(v) == [1.0, 2.0, 3.0, 4.0]
    assert v.lines.tolist() == [3, 5, 2, 4]


def test_headerless_csv_of_epoch_milliseconds(write: Write) -> None:
    path = write("1709287200000,1\n1709287260000,2\n")
    (v,) = read_series(path)
    assert v.times.tolist() == [1709287200.0, 1709287260.0]
    assert v.lines.tolist() == [1, 2]
    assert v.source.zone_source is ZoneSource.EXPLICIT


def test_long_csv_names_and_label_columns(write: Write) -> None:
    path = write(
        """
time,series,value,region,unit
2024-03-01T10:00:00Z,cpu,0.5,eu,%
2024-03-01T10:00:00Z,cpu,0.7,us,%
2024-03-01T10:01:00Z,cpu,,eu,%
2024-03-01T10:01:00Z,mem,12,eu,
"""
    )
    assert detect_format(path) == "csv-long"
    found = by_label(read_series(path))
    assert sorted(found) == ['cpu{region="eu"}', 'cpu{region="us"}', 'mem{region="eu"}']
    eu = found['cpu{region="eu"}']
    assert values(eu) == [0.5, None]
    assert eu.unit == "%"
    assert eu.lines.tolist() == [2, 4]
    assert found['mem{region="eu"}'].unit is None
    assert eu.source.format == "csv-long"


def test_flux_annotated_csv_is_long_form(write: Write) -> None:
    path = write(
        """
#datatype,string,long,dateTime:RFC3339,double,string,string,string
#group,false,false,false,false,true,true,true
,result,table,_time,_value,_field,_measurement,host
,_result,0,2024-03-01T10:00:00Z,1.5,usage,cpu,a
,_result,0,2024-03-01T10:01:00Z,2.5,usage,cpu,a

,result,table,_time,_value,_field,_measurement,host
,_result,1,2024-03-01T10:00:00Z,7,free,mem,a
"""
    )
    found = by_label(read_series(path))
    assert sorted(found) == ['cpu_usage{host="a"}', 'mem_free{host="a"}']
    assert values(found['cpu_usage{host="a"}']) == [1.5, 2.5]
    assert found['mem_free{host="a"}'].lines.tolist() == [8]


def test_grafana_joined_by_time_with_epoch_ms_and_series_labels(write: Write) -> None:
    path = write(
        '"Time","up{instance=""a:9100"", job=""node""}","B-series"\n'
        "1709287200000,1,0.5\n"
        "1709287215000,0,null\n"
    )
    assert detect_format(path) == "grafana-csv"
    found = by_label(read_series(path))
    up = found['up{instance="a:9100",job="node"}']
    assert up.times.tolist() == [1709287200.0, 1709287215.0]
    assert values(up) == [1.0, 0.0]
    assert values(found["B-series"]) == [0.5, None]
    assert up.source.format == "grafana-csv"


def test_grafana_series_as_rows_with_local_times(write: Write) -> None:
    path = write(
        '"Series","Time","Value"\n'
        '"cpu","2024-03-01 10:15:00","1.5"\n'
        '"mem","2024-03-01 10:15:00","300"\n'
    )
    assert detect_format(path) == "grafana-csv"
    found = {s.name: s for s in read_series(path, tz="Europe/Paris")}
    assert found["cpu"].times.tolist() == [utc("2024-03-01T09:15:00")]
    assert values(found["mem"]) == [300.0]
    assert found["cpu"].source.zone_source is ZoneSource.OPTION


# --- Prometheus API JSON --------------------------------------------------------------------

PROMETHEUS_MATRIX = """
{
  "status": "success",
  "data": {
    "resultType": "matrix",
    "result": [
      {
        "metric": {"__name__": "process_resident_memory_bytes", "job": "api"},
        "values": [
          [1709287200, "1024"],
          [1709287215.5, "NaN"],
          [1709287230, "+Inf"]
        ]
      },
      {
        "metric": {"job": "db"},
        "values": [[1709287200, "3"]]
      }
    ]
  },
  "source": {"server": "http://prom:9090", "query": "rate(x[5m])",
             "start": "2024-03-01T10:00:00Z", "end": "2024-03-01T11:00:00Z", "step": 15}
}
"""


def test_prometheus_matrix_with_pull_source(write: Write) -> None:
    path = write(PROMETHEUS_MATRIX)
    found = by_label(read_series(path))
    rss = found['process_resident_memory_bytes{job="api"}']
    assert rss.times.tolist() == [1709287200.0, 1709287215.5, 1709287230.0]
    assert values(rss)[0] == 1024.0
    assert math.isnan(rss.values[1])
    assert rss.values[2] == math.inf
    assert rss.lines.tolist() == [9, 10, 11]
    assert rss.source.server == "http://prom:9090"
    assert rss.source.query == "rate(x[5m])"
    assert rss.source.format == "prometheus-json"
    # No __name__: the query names it.
    assert found['rate(x[5m]){job="db"}'].lines.tolist() == [16]


def test_prometheus_vector_on_one_line(write: Write) -> None:
    path = write(
        '{"status":"success","data":{"resultType":"vector","result":['
        '{"metric":{"__name__":"up","instance":"a"},"value":[1709287200.25,"1"]}]}}'
    )
    (up,) = read_series(path)
    assert up.label == 'up{instance="a"}'
    assert up.times.tolist() == [1709287200.25]
    assert up.lines.tolist() == [1]
    assert up.source.query is None


def test_prometheus_error_answer(write: Write) -> None:
    path = write(
        '{"status":"error","errorType":"bad_data","error":"parse error","data":{"resultType":""}}'
    )
    with pytest.raises(ParseError, match="bad_data"):
        read_series(path)


# --- Prometheus / OpenMetrics text -----------------------------------------------------------


def test_prometheus_text_with_millisecond_timestamps(write: Write) -> None:
    path = write(
        """
# HELP http_requests_total Requests.
# TYPE http_requests_total counter
http_requests_total{code="200",path="/a b"} 1027 1709287200000
http_requests_total{code="500",path="/a b"} 3 1709287200000
http_requests_total{code="200",path="/a b"} 1030 1709287215000
node_memory_free_bytes 12e3 1709287200000
"""
    )
    assert detect_format(path) == "openmetrics"
    found = by_label(read_series(path))
    ok = found['http_requests_total{code="200",path="/a b"}']
    assert ok.times.tolist() == [1709287200.0, 1709287215.0]
    assert values(ok) == [1027.0, 1030.0]
    assert ok.lines.tolist() == [3, 5]
    assert ok.unit is None
    assert found["node_memory_free_bytes"].unit == "bytes"
    assert values(found["node_memory_free_bytes"]) == [12000.0]


def test_openmetrics_with_second_timestamps_unit_and_eof(write: Write) -> None:
    path = write(
        """
# TYPE request_latency gauge
# UNIT request_latency milliseconds
request_latency{quantile="0.9",note="say \\"hi\\""} 12.5 1709287200.5
request_latency{quantile="0.9",note="say \\"hi\\""} NaN 1709287201.5 # {trace_id="x"} 1
# EOF
"""
    )
    (latency,) = read_series(path)
    assert latency.labels == {"quantile": "0.9", "note": 'say "hi"'}
    assert latency.unit == "milliseconds"
    assert latency.times.tolist() == [1709287200.5, 1709287201.5]
    assert values(latency) == [12.5, None]


def test_exposition_without_timestamp_is_an_error(write: Write) -> None:
    path = write("# TYPE up gauge\nup 1 1709287200000\nup 1\n")
    with pytest.raises(ParseError, match="no timestamp") as caught:
        read_series(path)
    assert caught.value.line == 3


# --- Graphite ---------------------------------------------------------------------------------


def test_graphite_render_with_nulls_and_tags(write: Write) -> None:
    path = write(
        """
[
  {"target": "servers.web1.cpu",
   "tags": {"name": "servers.web1.cpu", "dc": "ams"},
   "datapoints": [
     [0.5, 1709287200],
     [null, 1709287260],
     [0.75, 1709287320]
   ]}
]
"""
    )
    (cpu,) = read_series(path)
    assert cpu.name == "servers.web1.cpu"
    assert cpu.labels == {"dc": "ams"}
    assert values(cpu) == [0.5, None, 0.75]
    assert cpu.lines.tolist() == [5, 6, 7]
    assert cpu.source.format == "graphite-json"


# --- InfluxDB line protocol ---------------------------------------------------------------------


def test_influx_line_protocol(write: Write) -> None:
    path = write(
        """
# written by a collector
cpu,host=web\\ 1,region=eu usage=0.5,count=3i,state="busy, very",up=t 1709287200000000000
cpu,host=web\\ 1,region=eu usage=0.25,count=4i 1709287210000000000
disk\\,io,dev=sda read=1u 1709287200000000000
"""
    )
    assert detect_format(path) == "influx"
    found = by_label(read_series(path))
    assert sorted(found) == [
        'cpu_count{host="web 1",region="eu"}',
        'cpu_usage{host="web 1",region="eu"}',
        'disk,io_read{dev="sda"}',
    ]
    usage = found['cpu_usage{host="web 1",region="eu"}']
    assert usage.times.tolist() == [1709287200.0, 1709287210.0]
    assert values(usage) == [0.5, 0.25]
    assert usage.lines.tolist() == [2, 3]
    assert values(found['cpu_count{host="web 1",region="eu"}']) == [3.0, 4.0]


def test_influx_point_without_timestamp_is_an_error(write: Write) -> None:
    path = write("cpu,host=a usage=1 1709287200000000000\ncpu,host=a usage=2\n")
    with pytest.raises(ParseError, match="without a timestamp") as caught:
        read_series(path)
    assert caught.value.line == 2


# --- sysstat ------------------------------------------------------------------------------------


def test_sadf_semicolon_rows_in_utc(write: Write) -> None:
    path = write(
        """
# hostname;interval;timestamp;CPU;%user;%idle
web1;600;2024-03-01 10:10:01 UTC;-1;1.50;98.00
web1;600;2024-03-01 10:10:01 UTC;0;2.00;97.00
web1;600;2024-03-01 10:20:01 UTC;-1;1.75;97.50
# hostname;interval;timestamp;kbmemfree;%memused
web1;600;2024-03-01 10:10:01 UTC;1000;40.0
"""
    )
    assert detect_format(path) == "sadf"
    found = by_label(read_series(path))
    user = found['%user{cpu="all",host="web1"}']
    assert user.times.tolist() == [utc("2024-03-01T10:10:01"), utc("2024-03-01T10:20:01")]
    assert values(user) == [1.5, 1.75]
    assert user.lines.tolist() == [2, 4]
    assert user.unit == "%"
    assert user.source.zone_source is ZoneSource.EXPLICIT
    assert values(found['%user{cpu="0",host="web1"}']) == [2.0]
    assert found['kbmemfree{host="web1"}'].unit == "kB"


SAR_TEXT = """
Linux 5.15.0-91-generic (web1) \t03/01/2024 \t_x86_64_\t(2 CPU)

11:50:01 PM     CPU     %user     %idle
11:55:01 PM     all      1.20     98.00
11:55:01 PM       0      2.00     97.00
12:00:01 AM     all      3.00     96.00
12:05:01 AM     all      4.00     95.00
Average:        all      2.70     96.50

11:50:01 PM kbmemfree %memused
11:55:01 PM      1000    40.00
12:00:01 AM      900     41,50
Average:         950     40.75
"""


def test_sar_text_crosses_midnight_and_resets_per_block(write: Write) -> None:
    path = write(SAR_TEXT)
    assert detect_format(path) == "sar"
    found = by_label(read_series(path))
    user = found['%user{cpu="all",host="web1"}']
    assert user.times.tolist() == [
        utc("2024-03-01T23:55:01"),
        utc("2024-03-02T00:00:01"),
        utc("2024-03-02T00:05:01"),
    ]
    assert values(user) == [1.2, 3.0, 4.0]
    assert user.lines.tolist() == [4, 6, 7]
    assert user.unit == "%"
    assert user.source.zone_source is ZoneSource.ASSUMED
    assert values(found['%user{cpu="0",host="web1"}']) == [2.0]
    free = found['kbmemfree{host="web1"}']
    assert free.times.tolist() == [utc("2024-03-01T23:55:01"), utc("2024-03-02T00:00:01")]
    assert values(found['%memused{host="web1"}']) == [40.0, 41.5]


def test_sar_text_in_the_given_zone_24_hour_iso_date(write: Write) -> None:
    path = write(
        """
Linux 6.1.0 (db-2)  2024-07-01  _x86_64_  (8 CPU)

10:00:01        IFACE   rxkB/s
10:10:01         eth0     5.00
10:10:01   LINUX RESTART  (8 CPU)
"""
    )
    (rx,) = read_series(path, tz="Europe/Zurich")
    assert rx.label == 'rxkB/s{host="db-2",iface="eth0"}'
    assert rx.unit == "kB/s"
    assert rx.times.tolist() == [utc("2024-07-01T08:10:01")]
    assert rx.source.zone_source is ZoneSource.OPTION


def test_sar_row_that_does_not_fit_its_header(write: Write) -> None:
    path = write("Linux 5.1 (h) 03/01/2024 _x86_64_\n\n10:00:01 CPU %user\n10:10:01 all 1 2\n")
    with pytest.raises(ParseError, match="3 columns under a header of 2") as caught:
        read_series(path)
    assert caught.value.line == 4


# --- JSON lines ------------------------------------------------------------------------------------


def test_jsonl_numeric_fields_become_series(write: Write) -> None:
    path = write(
        """
{"ts": 1709287200000, "cpu": 0.5, "mem": {"rss": 100}, "host": "a"}
{"ts": 1709287260000, "cpu": null, "mem": {"rss": 110}, "host": "a"}

{"ts": "2024-03-01T10:02:00", "cpu": 0.75, "mem": {"rss": 120}}
"""
    )
    assert detect_format(path) == "jsonl"
    found = {s.name: s for s in read_series(path)}
    assert sorted(found) == ["cpu", "mem.rss"]
    cpu = found["cpu"]
    assert values(cpu) == [0.5, None, 0.75]
    assert cpu.lines.tolist() == [1, 2, 4]
    assert cpu.labels == {}
    # One time had no zone: the series says UTC was assumed.
    assert cpu.source.zone_source is ZoneSource.ASSUMED
    assert cpu.times.tolist()[2] == utc("2024-03-01T10:02:00")


def test_jsonl_name_value_shape_keeps_text_as_labels(write: Write) -> None:
    path = write(
        '{"@timestamp": "2024-03-01T10:00:00+02:00", "metric": "queue", "value": "7",'
        ' "host": "q1", "unit": "messages", "labels": {"shard": 2}}\n'
        '{"@timestamp": "2024-03-01T10:01:00+02:00", "metric": "queue", "value": null,'
        ' "host": "q1", "unit": "messages", "labels": {"shard": 2}}\n'
    )
    (queue,) = read_series(path)
    assert queue.label == 'queue{host="q1",shard="2"}'
    assert queue.unit == "messages"
    assert values(queue) == [7.0, None]
    assert queue.times.tolist()[0] == utc("2024-03-01T08:00:00")
    assert queue.source.zone_source is ZoneSource.EXPLICIT


def test_jsonl_line_without_time(write: Write) -> None:
    path = write('{"time": 1709287200, "v": 1}\n{"v": 2}\n')
    with pytest.raises(ParseError, match="no time field") as caught:
        read_series(path)
    assert caught.value.line == 2


# --- detection, options and bad input -----------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("time,v\n2024-03-01T10:00:00Z,1\n", "csv"),
        ("time,metric,value\n2024-03-01T10:00:00Z,a,1\n", "csv-long"),
        ('"Time","A"\n1709287200000,1\n', "grafana-csv"),
        (PROMETHEUS_MATRIX, "prometheus-json"),
        ("up 1 1709287200000\n", "openmetrics"),
        ('[{"target": "a", "datapoints": [[1, 1709287200]]}]', "graphite-json"),
        ("cpu usage=1 1709287200000000000\n", "influx"),
        (SAR_TEXT, "sar"),
        ("web1;600;2024-03-01 10:10:01 UTC;-1;1.5\n", "sadf"),
        ('{"t": 1709287200, "v": 1}\n', "jsonl"),
    ],
)
def test_detect_format_from_content(write: Write, text: str, expected: str) -> None:
    # The name says CSV for all of them: detection reads the content only.
    path = write(text, "export.csv")
    assert detect_format(path) == expected
    assert expected in FORMATS
    assert read_series(path)


def test_format_option_overrides_detection(write: Write) -> None:
    path = write("time,series,value\n2024-03-01T10:00:00Z,a,1\n")
    (s,) = read_series(path, format="csv-long")
    assert s.source.format == "csv-long"
    with pytest.raises(UsageError, match="known are csv"):
        read_series(path, format="xlsx")


def test_unknown_format_names_the_known_ones(write: Write) -> None:
    path = write("Dear team,\nthe graph went up.\n")
    with pytest.raises(FormatError, match="known formats: csv, csv-long") as caught:
        read_series(path)
    assert str(caught.value).startswith(str(path))


@pytest.mark.parametrize("text", ["", "\n\n", "time,v\n"])
def test_file_without_samples(write: Write, text: str) -> None:
    path = write(text)
    with pytest.raises(InputError, match="holds no samples") as caught:
        read_series(path)
    assert not isinstance(caught.value, ParseError)


def test_broken_csv_row_names_its_line(write: Write) -> None:
    path = write("time,v\n2024-03-01T10:00:00Z,1\n2024-03-01T10:01:00Z,lots\n")
    with pytest.raises(ParseError, match="'lots' in column 'v' is not a number") as caught:
        read_series(path)
    assert caught.value.line == 3
    assert str(caught.value).startswith(f"{path}:3: ")


def test_csv_row_with_a_bad_time(write: Write) -> None:
    path = write("time,v\n2024-03-01T10:00:00Z,1\nyesterday,2\n")
    with pytest.raises(ParseError, match="'yesterday' is not a time") as caught:
        read_series(path)
    assert caught.value.line == 3


def test_csv_row_of_the_wrong_width(write: Write) -> None:
    path = write("time,a,b\n2024-03-01T10:00:00Z,1,2\n2024-03-01T10:01:00Z,1,2,3\n")
    with pytest.raises(ParseError, match="4 cells under a header of 3") as caught:
        read_series(path)
    assert caught.value.line == 3


def test_broken_json_document(write: Write) -> None:
    path = write('{"status": "success",\n "data": {"resultType": "matrix", "result": [}\n')
    with pytest.raises(ParseError, match="broken JSON") as caught:
        read_series(path)
    assert caught.value.line == 2


def test_binary_file(tmp_path: Path) -> None:
    path = tmp_path / "dump.bin"
    path.write_bytes(b"\x7fELF\x02\x01\x01\x00\x00\x00" + bytes(range(256)) * 4)
    with pytest.raises(EncodingError, match="binary"):
        read_series(path)


def test_unknown_zone_option(write: Write) -> None:
    path = write("time,v\n2024-03-01 10:00:00,1\n")
    with pytest.raises(UsageError, match="unknown time zone"):
        read_series(path, tz="Mars/Olympus")


def test_gzipped_and_utf16_files_read(tmp_path: Path) -> None:
    text = "time,v\n2024-03-01T10:00:00Z,1\n2024-03-01T10:01:00Z,2\n"
    packed = tmp_path / "m.csv.gz"
    packed.write_bytes(gzip.compress(text.encode()))
    wide = tmp_path / "m16.csv"
    wide.write_text(text, encoding="utf-16")
    for path in (packed, wide):
        (v,) = read_series(path)
        assert values(v) == [1.0, 2.0]
        assert v.lines.tolist() == [2, 3]


def test_large_file_streams_into_arrays(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w") as fh:
        fh.write("time,a,b\n")
        for i in range(20_000):
            fh.write(f"{1709287200 + i},{i},{'' if i % 1000 == 0 else i * 2}\n")
    a, b = read_series(path)
    assert len(a) == 20_000
    assert a.times.dtype == np.float64
    assert int(np.isnan(b.values).sum()) == 20
    assert int(b.lines[-1]) == 20_001


# --- Inputs the fuzzer found (fuzz/regressions/metrics/) ------------------------------------


def test_carriage_return_inside_a_csv_row_names_its_line(write: Write) -> None:
    path = write("time,v\n2024-03-01T10:00:00Z,1\r2\n", "m.csv")
    with pytest.raises(ParseError, match="carriage return inside a row") as caught:
        read_series(path)
    assert caught.value.line == 2


def test_carriage_return_in_the_first_line_is_no_table(write: Write) -> None:
    with pytest.raises(FormatError, match="not a metric file"):
        read_series(write("e\r3\n", "m.csv"))


@pytest.mark.parametrize(
    ("text", "name"),
    [
        ('{"t":"1e40","a":1}\n', "m.jsonl"),  # an epoch past any instant
        ("t u=1 357416000000002000000\n", "m.lp"),  # nanoseconds of the year 13000
        ('{"t":"-99999999999.999","a":1}\n', "m.jsonl"),  # seconds before the year 1
        ("time,v\n0001-01-01T00:00:00+05:00,1\n", "m.csv"),  # the year 0 in UTC
        ('[{"target":"x","datapoints":[[1,NaN]]}]\n', "m.json"),  # JSON's NaN as a time
    ],
)
def test_time_outside_the_years_1_to_9999_names_its_line(
    write: Write, text: str, name: str
) -> None:
    with pytest.raises(ParseError, match="outside the years 1 to 9999") as caught:
        read_series(write(text, name))
    assert caught.value.line == text.count("\n")


@pytest.mark.parametrize(
    ("text", "name"),
    [
        # An integer time past the float range (and past Python's int digit limit).
        (
            '{"status":"success","data":{"resultType":"vector","result":[{"metric":{},'
            '"value":[' + "1" * 400 + ',"1"]}]}}\n',
            "m.json",
        ),
        ('[{"target":"x","datapoints":[[1,' + "9" * 5000 + "]]}]\n", "m.json"),
        ('{"t":' + "1" * 400 + ',"a":1}\n', "m.jsonl"),
        ('{"t":1' + "0" * 5000 + ',"a":1}\n', "m.jsonl"),
    ],
)
def test_json_integer_time_past_the_float_range(write: Write, text: str, name: str) -> None:
    with pytest.raises(ParseError, match="outside the years 1 to 9999") as caught:
        read_series(write(text, name))
    assert caught.value.line == 1


def test_json_integer_value_past_the_float_range_is_infinite(write: Write) -> None:
    text = '{"t":1709287200,"a":' + "9" * 400 + ',"b":-' + "9" * 5000 + "}\n"
    a, b = read_series(write(text, "m.jsonl"))
    assert values(a) == [math.inf]
    assert values(b) == [-math.inf]


@pytest.mark.parametrize(
    ("text", "line"),
    [
        ('{"t":1,"a":1}\n{"t":1,"a":' + '{"a":' * 5000 + "1" + "}" * 5000 + "}\n", 2),
        (
            '{"status":"success","data":{"resultType":"matrix","result":\n'
            + "[\n" * 20000
            + "]\n" * 20000
            + "}}\n",
            1,
        ),
    ],
)
def test_json_nested_too_deep_names_its_line(write: Write, text: str, line: int) -> None:
    with pytest.raises(ParseError, match="nested too deep") as caught:
        read_series(write(text, "m.json"))
    assert caught.value.line == line


def test_grafana_export_of_one_row_with_commas_in_its_quoted_header(write: Write) -> None:
    # A comma cuts the header into more cells than the semicolon, but no row below it.
    text = '"Time";"up{instance=""a"",job=""b""}"\n2024-03-01 10:00:00;1\n'
    (up,) = read_series(write(text, "m.csv"))
    assert (up.label, up.source.format, values(up)) == (
        'up{instance="a",job="b"}',
        "grafana-csv",
        [1.0],
    )


@pytest.mark.parametrize(
    "header",
    [
        "time,v" + " " * 60_000 + "x",  # a time column's zone looked for in every header
        "time," + " " * 60_000 + "x",  # a series name looked for labels
        "time,m" + " " * 60_000 + "(x)",  # a unit looked for in brackets
    ],
)
def test_header_with_a_long_run_of_spaces_reads_at_once(write: Write, header: str) -> None:
    # Each took time growing with the square of the run (a minute for 60,000 spaces).
    path = write(header + "\n2024-03-01T10:00:00Z,1\n", "m.csv")
    with never_hangs(30, "a header with a long run of spaces"):
        (series,) = read_series(path)
    assert values(series) == [1.0]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mem (MiB)", ("mem", "MiB")),
        ("time [ Europe/Berlin ] ", ("time", "Europe/Berlin")),
        ("t(x) (UTC)", ("t(x)", "UTC")),
        ("(UTC)", ("", "UTC")),
        ("mem (MiB) x", None),
        ("mem (a) b)", None),
        ("mem", None),
        ("mem)", None),
    ],
)
def test_split_bracket(text: str, expected: tuple[str, str] | None) -> None:
    assert split_bracket(text) == expected


def test_time_cell_with_a_long_run_of_spaces_is_refused_at_once(write: Write) -> None:
    # "\s*UTC$" searched from each space of the run took time growing with its square.
    path = write("time,v\n2024-03-01" + " " * 40_000 + "x,1\n", "m.csv")
    with (
        never_hangs(30, "a time cell with a long run of spaces"),
        pytest.raises(ParseError, match="is not a time") as caught,
    ):
        read_series(path)
    assert caught.value.line == 2


def test_time_in_utc_words(write: Write) -> None:
    path = write("time,v\n2024-03-01 10:00:00   UTC,1\n2024-03-01 10:01:00GMT,2\n", "m.csv")
    (v,) = read_series(path)
    assert v.times.tolist() == [utc("2024-03-01T10:00:00"), utc("2024-03-01T10:01:00")]
    assert v.source.zone_source is ZoneSource.EXPLICIT


def test_sar_report_crossing_midnight_into_the_year_10000(write: Write) -> None:
    text = (
        "Linux 6.1.0 (h) \t12/31/9999 \t_x86_64_\t(2 CPU)\n\n"
        "23:50:01     CPU  %user\n23:55:01     all  1.0\n00:00:01     all  2.0\n"
    )
    with pytest.raises(ParseError, match="past the year 9999") as caught:
        read_series(write(text, "sar.txt"))
    assert caught.value.line == 5


@pytest.mark.parametrize(
    ("date", "year"), [("03/01/24", 2024), ("03/01/0024", 24), ("0024-03-01", 24)]
)
def test_sar_banner_year_of_two_digits_is_this_century_only(
    write: Write, date: str, year: int
) -> None:
    text = f"Linux 6.1.0 (h) \t{date} \t_x86_64_\t(2 CPU)\n\n10:00:01  kbmemfree\n10:05:01  1\n"
    (free,) = read_series(write(text, "sar.txt"))
    assert free.instant(0) == dt.datetime(year, 3, 1, 10, 5, 1, tzinfo=dt.UTC)
