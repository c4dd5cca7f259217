"""`retroline.metrics.pull`: a real Prometheus server answers, chunks stitch back seamlessly,
and every failure is a one-line error of the right class."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given
from hypothesis import strategies as st

from retroline.errors import InputError, OutputError, UsageError
from retroline.metrics.pull import (
    MAX_POINTS,
    chunks,
    default_step,
    parse_when,
    pull,
    save,
)
from retroline.metrics.series import series_name
from tests.prometheus import (
    BASE,
    END,
    EVERY,
    GAP_FROM,
    GAP_TO,
    STEP_AT,
    PrometheusServer,
    free_port,
)

Points = list[tuple[float, float]]


def at(seconds: float) -> datetime:
    return datetime.fromtimestamp(seconds, tz=UTC)


def by_series(document: dict[str, Any]) -> dict[str, Points]:
    """A pulled document's samples by ``name{labels}``, values as floats."""
    found = {}
    for series in document["data"]["result"]:
        labels = dict(series["metric"])
        name = labels.pop("__name__", "")
        found[series_name(name, labels)] = [(float(t), float(v)) for t, v in series["values"]]
    return found


# --- against the real server ---------------------------------------------------------------


def test_samples_are_the_values_written(prometheus_server: PrometheusServer) -> None:
    document = pull(prometheus_server.url, '{job="fixture"}', at(BASE), at(END - EVERY), EVERY)
    pulled = by_series(document)
    written = prometheus_server.samples
    assert set(pulled) == set(written)
    for name in ("retroline_level", "retroline_rise", "retroline_requests_total"):
        for series in (s for s in written if s.startswith(name + "{")):
            assert pulled[series] == [(float(t), v) for t, v in written[series]], series
    level = dict(pulled['retroline_level{instance="a",job="fixture"}'])
    assert (level[STEP_AT - EVERY], level[STEP_AT]) == (10.0, 50.0)
    # The gap: what was written is there; inside it, only the 5-minute lookback holds on.
    gap = dict(pulled['retroline_gap{job="fixture"}'])
    assert all(gap[t] == v for t, v in written['retroline_gap{job="fixture"}'])
    inside = [t for t in gap if GAP_FROM <= t < GAP_TO]
    assert all(t <= GAP_FROM + 300 for t in inside)
    assert len(range(GAP_FROM, GAP_TO, EVERY)) - len(inside) >= (GAP_TO - GAP_FROM - 300) // EVERY
    assert document["status"] == "success"
    assert document["data"]["resultType"] == "matrix"
    assert document["source"] == {
        "server": prometheus_server.url,
        "query": '{job="fixture"}',
        "start": "2024-01-01T00:00:00Z",
        "end": "2024-01-01T03:59:45Z",
        "step": 15.0,
        "fetched": document["source"]["fetched"],
    }
    assert document["source"]["fetched"].endswith("Z")


def test_a_query_is_evaluated_by_the_server(prometheus_server: PrometheusServer) -> None:
    document = pull(
        prometheus_server.url, "rate(retroline_requests_total[1m])", at(BASE + 600), at(END - 60)
    )
    assert document["source"]["step"] == default_step(at(BASE + 600), at(END - 60)) == 14.0
    (rates,) = by_series(document).values()
    assert all(v == pytest.approx(10) for t, v in rates if t < STEP_AT)
    assert all(v == pytest.approx(40) for t, v in rates if t >= STEP_AT + 60)


def test_a_long_range_is_pulled_in_chunks_that_join_seamlessly(
    prometheus_server: PrometheusServer,
) -> None:
    calls: list[tuple[int, int]] = []
    whole = pull(
        prometheus_server.url,
        "retroline_level",
        at(BASE),
        at(END - 1),
        1,
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(1, 2), (2, 2)]  # 14,400 points: 11,000 then 3,400
    border = BASE + MAX_POINTS
    part = pull(prometheus_server.url, "retroline_level", at(border - 1000), at(border + 1000), 1)
    assert calls == [(1, 2), (2, 2)]  # the part took no progress callback: one request
    pulled, unsplit = by_series(whole), by_series(part)
    assert (
        set(pulled)
        == set(unsplit)
        == {
            'retroline_level{instance="a",job="fixture"}',
            'retroline_level{instance="b",job="fixture"}',
        }
    )
    for series, points in pulled.items():
        times = [t for t, _ in points]
        assert times == sorted(set(times)) == [float(t) for t in range(BASE, END)]
        assert [p for p in points if border - 1000 <= p[0] <= border + 1000] == unsplit[series]
        # Every instant holds the last sample written at or before it.
        written = dict(prometheus_server.samples[series])
        assert all(v == written[int(t) - (int(t) - BASE) % EVERY] for t, v in points)


def test_a_bad_query_is_a_usage_error_with_prometheus_words(
    prometheus_server: PrometheusServer,
) -> None:
    with pytest.raises(UsageError) as info:
        pull(prometheus_server.url, "rate(retroline_level[", at(BASE), at(END))
    message = str(info.value)
    assert message.startswith(f"the Prometheus server at {prometheus_server.url} refused")
    assert "bad_data: " in message and "parse error" in message
    assert "\n" not in message


def test_a_server_that_is_not_there_is_an_input_error() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(InputError) as info:
        pull(url, "up", at(BASE), at(END))
    assert str(info.value).startswith(f"{url}: cannot reach the Prometheus server: ")
    assert isinstance(info.value.__cause__, httpx.ConnectError)
    assert info.value.exit_code == 3


def test_a_saved_pull_reads_back_with_its_source(
    prometheus_server: PrometheusServer, tmp_path: Path
) -> None:
    document = pull(prometheus_server.url, "retroline_rise", at(BASE), at(BASE + 3600), 60)
    out = tmp_path / "pulled" / "rise.json"
    save(document, out)
    save(document, out)  # replaces the file it wrote before
    assert json.loads(out.read_text()) == document
    assert document["source"]["server"] == prometheus_server.url
    assert document["source"]["query"] == "retroline_rise"
    assert [p.name for p in out.parent.iterdir()] == ["rise.json"]  # no temporary file left


# --- without a server ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("start", "end", "step", "expected"),
    [
        (0, 0, 1000, [(0, 0)]),
        (0, 10_999_000, 1000, [(0, 10_999_000)]),  # 11,000 points: one request
        (0, 11_000_000, 1000, [(0, 10_999_000), (11_000_000, 11_000_000)]),
        (500, 11_000_900, 1000, [(500, 10_999_500), (11_000_500, 11_000_900)]),
        (0, 494_985, 15, [(0, 164_985), (165_000, 329_985), (330_000, 494_985)]),  # 33,000
    ],
)
def test_chunks(start: int, end: int, step: int, expected: list[tuple[int, int]]) -> None:
    assert chunks(start, end, step) == expected


@given(
    start=st.integers(0, 2_000_000_000_000),
    points=st.integers(1, 50_000),
    step=st.integers(1, 3_600_000),
    slack=st.floats(0, 0.999),
)
def test_chunks_ask_each_instant_once(start: int, points: int, step: int, slack: float) -> None:
    end = start + (points - 1) * step + int(slack * step)
    parts = chunks(start, end, step)
    asked = [t for begin, finish in parts for t in range(begin, finish + 1, step)]
    assert asked == list(range(start, end + 1, step))
    assert all((finish - begin) // step + 1 <= MAX_POINTS for begin, finish in parts)


@pytest.mark.parametrize("bad", [(0, -1, 1), (0, 10, 0)])
def test_chunks_refuse_an_empty_grid(bad: tuple[int, int, int]) -> None:
    with pytest.raises(ValueError):
        chunks(*bad)


@pytest.mark.parametrize(
    ("span", "step"),
    [
        (timedelta(seconds=1), 1.0),
        (timedelta(minutes=10), 1.0),
        (timedelta(hours=1), 4.0),
        (timedelta(hours=6), 22.0),
        (timedelta(days=30), 2592.0),
    ],
)
def test_default_step_makes_about_a_thousand_points(span: timedelta, step: float) -> None:
    assert default_step(at(BASE), at(BASE) + span) == step


NOW = datetime(2026, 12, 6, 3, 50, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("now", NOW),
        ("now-6h", NOW - timedelta(hours=6)),
        ("NOW - 1h30m", NOW - timedelta(hours=1, minutes=30)),
        ("2016-09-08T20:31Z", datetime(2016, 9, 8, 20, 31, tzinfo=UTC)),
        ("2016-09-08 22:31+02:00", datetime(2016, 9, 8, 20, 31, tzinfo=UTC)),
    ],
)
def test_parse_when(text: str, expected: datetime) -> None:
    assert parse_when(text, now=NOW) == expected


def test_parse_when_reads_a_time_without_offset_in_the_zone_given() -> None:
    assert parse_when("2016-09-08 22:31", "Europe/Berlin") == datetime(
        2016, 9, 8, 20, 31, tzinfo=UTC
    )


@pytest.mark.parametrize("text", ["yesterday", "now-", "now-6x", "now+1h", "now-0s"])
def test_parse_when_refuses(text: str) -> None:
    with pytest.raises(UsageError):
        parse_when(text, now=NOW)


@pytest.mark.parametrize(
    ("url", "start", "end", "step", "words"),
    [
        ("ftp://prom:9090", BASE, END, None, "http:// or https://"),
        ("localhost:9090", BASE, END, None, "http:// or https://"),
        ("http://", BASE, END, None, "http:// or https://"),
        ("http://[::1", BASE, END, None, "cannot read the server URL"),
        ("http://prom:9090", END, BASE, None, "must end after it starts"),
        ("http://prom:9090", BASE, BASE, None, "must end after it starts"),
        ("http://prom:9090", BASE, END, 0, "at least 0.001 seconds"),
        ("http://prom:9090", BASE, END, float("nan"), "at least 0.001 seconds"),
        ("http://prom:9090", BASE, BASE + 400 * 86400, 0.001, "larger step"),
    ],
)
def test_usage_errors_before_any_request(
    url: str, start: float, end: float, step: float | None, words: str
) -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise AssertionError(f"no request should be made: {request.url}")

    with (
        httpx.Client(transport=httpx.MockTransport(refuse)) as client,
        pytest.raises(UsageError, match=words),
    ):
        pull(url, "up", at(start), at(end), step, client=client)


def answering(*answers: httpx.Response) -> httpx.Client:
    """A client whose requests get ``answers`` in turn."""
    queue = list(answers)

    def handler(request: httpx.Request) -> httpx.Response:
        return queue.pop(0)

    return httpx.Client(transport=httpx.MockTransport(handler))


def matrix(*values: list[Any], warnings: list[str] | None = None) -> httpx.Response:
    body: dict[str, Any] = {
        "status": "success",
        "data": {
            "resultType": "matrix",
            "result": [{"metric": {"__name__": "up"}, "values": v} for v in values],
        },
    }
    if warnings:
        body["warnings"] = warnings
    return httpx.Response(200, json=body)


def test_chunks_that_overlap_are_merged_without_duplicates() -> None:
    client = answering(
        matrix([[1.0, "1"], [11001.0, "2"]], warnings=["partial"]),
        matrix([[11001.0, "2"], [11002.0, "3"]], warnings=["partial", "other"]),
    )
    document = pull("http://prom:9090/", "up", at(1), at(11002), 1, client=client)
    assert document["data"]["result"] == [
        {"metric": {"__name__": "up"}, "values": [[1.0, "1"], [11001.0, "2"], [11002.0, "3"]]}
    ]
    assert document["warnings"] == ["partial", "other"]
    assert document["source"]["server"] == "http://prom:9090/"
    assert not client.is_closed  # the caller's client stays the caller's to close


def test_a_password_in_the_url_is_used_but_never_shown() -> None:
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(503, json={"status": "error", "errorType": "unavailable"})

    client = httpx.Client(transport=httpx.MockTransport(handler))
    with pytest.raises(InputError) as info:
        pull("http://bob:s3cret@prom:9090", "up", at(BASE), at(END), client=client)
    assert str(info.value).startswith("http://prom:9090: ")
    assert seen[0].headers["authorization"].startswith("Basic ")
    client = answering(matrix())
    document = pull("http://bob:s3cret@prom:9090", "up", at(BASE), at(END), client=client)
    assert document["source"]["server"] == "http://prom:9090"


def test_requests_go_to_the_api_under_the_url_path() -> None:
    seen: list[httpx.URL] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request.url)
        return matrix()

    client = httpx.Client(transport=httpx.MockTransport(handler))
    pull(
        "https://ops.example/prometheus/", "up{a='b'}", at(BASE), at(BASE + 1.5), 0.5, client=client
    )
    (url,) = seen
    assert url.path == "/prometheus/api/v1/query_range"
    assert dict(url.params) == {
        "query": "up{a='b'}",
        "start": f"{BASE}.000",
        "end": f"{BASE + 1}.500",
        "step": "0.500",
    }


@pytest.mark.parametrize(
    ("answer", "error", "words"),
    [
        (
            httpx.Response(
                503, json={"status": "error", "errorType": "unavailable", "error": "too\nbusy"}
            ),
            InputError,
            "http://prom:9090: the Prometheus server answered unavailable: too busy",
        ),
        (
            httpx.Response(422, json={"status": "error", "errorType": "execution", "error": "oom"}),
            InputError,
            "answered execution: oom",
        ),
        (
            httpx.Response(400, json={"status": "error", "errorType": "bad_data", "error": "x"}),
            UsageError,
            "refused the query: bad_data: x",
        ),
        (httpx.Response(500, json={"status": "error"}), InputError, "answered HTTP 500: Internal"),
        (
            httpx.Response(404, text="<html>not found</html>"),
            InputError,
            "HTTP 404 Not Found without Prometheus' JSON: is this the URL of a Prometheus",
        ),
        (httpx.Response(200, json=[1, 2]), InputError, "without Prometheus' JSON"),
        (
            httpx.Response(200, json={"status": "success", "data": {"resultType": "vector"}}),
            InputError,
            "answered a vector, not a matrix",
        ),
        (
            httpx.Response(200, json={"status": "success", "data": {"resultType": "matrix"}}),
            InputError,
            "without a result list",
        ),
        (
            matrix([[1.0]]),
            InputError,
            "not \\[time, value\\] pairs",
        ),
    ],
)
def test_what_the_server_answers_wrong(
    answer: httpx.Response, error: type[Exception], words: str
) -> None:
    with pytest.raises(error, match=words) as info:
        pull("http://prom:9090", "up", at(BASE), at(END), client=answering(answer))
    assert "\n" not in str(info.value)
    assert type(info.value) is error


def _transport_errors(cls: type[httpx.TransportError]) -> list[type[httpx.TransportError]]:
    found = [cls]
    for sub in cls.__subclasses__():
        found.extend(_transport_errors(sub))
    return found


@pytest.mark.parametrize("failure", _transport_errors(httpx.TransportError))
def test_every_transport_error_is_an_input_error_naming_the_server(
    failure: type[httpx.TransportError],
) -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        raise failure("it went wrong", request=request)

    client = httpx.Client(transport=httpx.MockTransport(handler))
    with pytest.raises(InputError) as info:
        pull("http://prom:9090", "up", at(BASE), at(END), client=client)
    assert type(info.value) is InputError
    assert str(info.value).startswith("http://prom:9090: ")
    assert info.value.__cause__ is not None
    if issubclass(failure, httpx.TimeoutException):
        assert "did not answer in time" in str(info.value)


def test_save_into_a_file_in_the_way_is_an_output_error(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("in the way")
    with pytest.raises(OutputError):
        save({"status": "success"}, tmp_path / "file" / "out.json")
