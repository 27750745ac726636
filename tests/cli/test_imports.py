"""``kolgraph import``: counts, rejects and error exits."""

from __future__ import annotations

from pathlib import Path

from .helpers import kolgraph


def test_reimport_changes_nothing(world: Path, tmp_path: Path) -> None:
    from kolgraph.store import SQLiteStore

    before = SQLiteStore(world).counts()
    code, out, _ = kolgraph(
        "import",
        "edges",
        str(tmp_path / "follows.csv"),
        "--platform",
        "x",
        "--columns",
        "src=follower,dst=followed",
        "--db",
        str(world),
    )
    assert code == 0
    assert SQLiteStore(world).counts() == before
    row = next(line for line in out.splitlines() if "new edges" in line)
    assert row.replace("│", " ").split()[-1] == "0"


def test_bad_input_exits_2_with_location(tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("1,2\n3,abc\n")
    code, _, err = kolgraph("import", "edges", str(bad), "--db", str(tmp_path / "k.db"))
    assert code == 2
    assert "bad.csv:2" in err and "not numeric" in err and "fix:" in err

    code, _, err = kolgraph("plan", "--budget", "100", "--db", str(tmp_path / "k.db"))
    assert code == 2 and "kolgraph rank" in err

    code, _, err = kolgraph(
        "plan", "--budget", "100", "--kol", "5..2", "--db", str(tmp_path / "k.db")
    )
    assert code == 2 and "MIN..MAX" in err

    code, _, err = kolgraph(
        "import", "edges", str(tmp_path / "missing.csv"), "--db", str(tmp_path / "k.db")
    )
    assert code == 2 and "not found" in err


def test_skip_mode_writes_rejects(tmp_path: Path) -> None:
    bad = tmp_path / "mixed.txt"
    bad.write_text("1 2\n3\n4 5\n")
    rejects = tmp_path / "rej.tsv"
    code, _, err = kolgraph(
        "import",
        "edges",
        str(bad),
        "--on-error",
        "skip",
        "--rejects",
        str(rejects),
        "--db",
        str(tmp_path / "k.db"),
    )
    assert code == 0, err
    assert rejects.read_text().splitlines()[1].startswith("2\t")
