"""The strategist's toolkit on real data: the PHEME who-follows-whom graph (95,240 follow
edges among Twitter accounts around breaking-news events), through the CLI and the API.

The story of the README walk-through: @BBCBreaking (x:5402612) is the brand's own account
and @cnnbrk (x:428333) the competitor. Every count asserted here is recomputed from the
file itself with Python sets.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from kolgraph.api.app import create_app
from kolgraph.cli import app
from kolgraph.settings import Settings

PHEME = (
    Path(__file__).resolve().parents[1].parent
    / "shared"
    / "data"
    / "pheme-follows"
    / "who-follows-whom.dat"
)
OWN, RIVAL = "x:5402612", "x:428333"


def _followers() -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for line in PHEME.read_text().splitlines():
        a, b = line.split()
        if a != b:
            out.setdefault(f"x:{b}", set()).add(f"x:{a}")
    return out


def _cli(runner: CliRunner, *args: str) -> Any:
    res = runner.invoke(app, list(args))
    assert res.exit_code == 0, res.stderr
    return json.loads(res.stdout) if "--format" in args else res.stdout


@pytest.mark.slow
@pytest.mark.skipif(not PHEME.exists(), reason=f"{PHEME} is not present")
def test_toolkit_on_pheme_follows(tmp_path: Path) -> None:
    runner = CliRunner()
    db = str(tmp_path / "pheme.db")
    fans = _followers()
    _cli(runner, "import", "edges", str(PHEME), "--type", "follow", "--platform", "x", "--db", db)
    accounts = tmp_path / "accounts.csv"
    accounts.write_text(
        f"key,name,kind\n{OWN},BBC Breaking News,own\n{RIVAL},CNN Breaking News,media\n",
        encoding="utf-8",
    )
    _cli(runner, "import", "accounts", str(accounts), "--db", db)
    _cli(runner, "rank", "--db", db)

    # overlap of the five biggest audiences, exact
    top = sorted(fans, key=lambda k: (-len(fans[k]), k))[:5]
    ov = _cli(runner, "overlap", *top, "--format", "json", "--db", db)
    assert ov["unique_audience"] == len(set().union(*(fans[k] for k in top)))
    pair = next(p for p in ov["pairs"] if {p["a"], p["b"]} == {top[0], top[1]})
    assert pair["shared"] == len(fans[top[0]] & fans[top[1]])

    # affinity to the competitor: no account is labelled kol, so the biggest stand in
    aff = _cli(runner, "affinity", RIVAL, "--format", "json", "--db", db)
    assert aff["brand_audience"] == len(fans[RIVAL]) and aff["data"]
    best = aff["data"][0]
    assert best["shared"] == len(fans[best["key"]] & fans[RIVAL])
    assert best["affinity"] > 1 and "stand in" in aff["note"]
    look = _cli(runner, "lookalike", RIVAL, "--format", "json", "--db", db)
    assert look["data"] and look["data"][0]["key"] != RIVAL

    # plan for the competitor's audience that the brand does not reach yet, two budgets
    target = fans[RIVAL] - fans[OWN]
    ask = ["--target-followers-of", RIVAL, "--new-audience-only", "--budget-curve", "500..3000:500"]
    plans = [
        _cli(runner, "plan", "--budget", str(b), *ask, "--format", "json", "--db", db)
        for b in (1000, 2500)
    ]
    for doc in plans:
        assert doc["target"]["size"] == len(target)
        reached = set().union(*(fans.get(a["key"], set()) for a in doc["accounts"])) & target
        assert doc["target"]["reached"] == len(reached) == doc["unique_reach"]
        assert RIVAL not in [a["key"] for a in doc["accounts"]]
        assert len(doc["budget_curve"]["points"]) == 6
    assert plans[1]["unique_reach"] >= plans[0]["unique_reach"]
    cmp = _cli(
        runner, "plan", "compare", plans[0]["id"], plans[1]["id"], "--format", "json", "--db", db
    )
    assert [p["id"] for p in cmp["plans"]] == [plans[0]["id"], plans[1]["id"]]
    assert cmp["plans"][1]["target_coverage"] == plans[1]["target"]["coverage"]
    page, book = tmp_path / "plan.html", tmp_path / "plan.xlsx"
    for path in (page, book):
        assert "wrote" in _cli(runner, "report", plans[1]["id"], "-o", str(path), "--db", db)
    html = page.read_text(encoding="utf-8")
    assert f'data-value="{plans[1]["unique_reach"]}"' in html and "chart-budget-curve" in html
    assert book.stat().st_size > 0

    # the same questions over HTTP
    with TestClient(create_app(Settings(db=Path(db)))) as client:
        r = client.post("/v1/overlap", json={"keys": top})
        assert r.status_code == 200 and r.json()["unique_audience"] == ov["unique_audience"]
        r = client.get(f"/v1/affinity/{RIVAL}")
        assert r.status_code == 200 and r.json()["data"][0]["key"] == best["key"]
        r = client.post(
            "/v1/plans",
            json={"budget": 1000, "target_followers_of": [RIVAL], "new_audience_only": True},
        )
        assert r.status_code == 200, r.text
        assert r.json()["target"]["size"] == len(target)
        assert r.json()["unique_reach"] == plans[0]["unique_reach"]
        r = client.get(f"/v1/lookalikes/{RIVAL}")
        assert r.status_code == 200 and r.json()["data"][0]["key"] == look["data"][0]["key"]
        r = client.get(f"/v1/plans/{plans[1]['id']}/report.html")
        assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
        assert f'data-value="{plans[1]["unique_reach"]}"' in r.text
        r = client.get(f"/v1/plans/compare?ids={plans[0]['id']},{plans[1]['id']}")
        assert r.status_code == 200 and r.json() == cmp
