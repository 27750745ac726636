"""``kolgraph listen`` and ``kolgraph topics``: follow topics as events stream in."""

from __future__ import annotations

import signal
import sys
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from kolgraph.cli.common import (
    DbOpt,
    FormatOpt,
    OutFormat,
    StoreOpt,
    cell,
    console,
    handle_errors,
    load_settings,
    opened_store,
    out,
    write_json,
)

__all__ = ["listen", "respond", "topics_app"]

topics_app = typer.Typer(
    help="Topics followed while listening: add, list, show, remove.", no_args_is_help=True
)


@handle_errors
def listen(
    source: Annotated[
        str,
        typer.Argument(help="A JSON Lines file of events, or - for standard input."),
    ] = "-",
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep reading the file as it grows.")
    ] = False,
    lateness: Annotated[
        int | None,
        typer.Option(help="Seconds an event may arrive behind the newest (default: settings)."),
    ] = None,
    rejects: Annotated[
        Path | None,
        typer.Option(help="Where rejected lines go (default: SOURCE.rejects.tsv, or ./stdin...)."),
    ] = None,
    alert_cmd: Annotated[
        str | None,
        typer.Option(
            "--alert-cmd",
            help="Run this command for every alert of every topic, the alert JSON on its stdin.",
        ),
    ] = None,
    higgs: Annotated[
        bool,
        typer.Option(
            "--higgs",
            help="SOURCE is the SNAP Higgs activity file (userA userB ts RT|MT|RE), replayed "
            "in time order as events.",
        ),
    ] = False,
    restart: Annotated[
        bool, typer.Option(help="Read the file from its start, not from the stored checkpoint.")
    ] = False,
    db: DbOpt = None,
    store: StoreOpt = None,
    fmt: FormatOpt = OutFormat.table,
) -> None:
    """Read events, store them once, and keep every topic's state up to date.

    A file's position is stored with each batch: run the same command again after a
    crash and it resumes where it stopped (events already stored are recognised).
    Bad lines go to the rejects file with the reason and never stop the stream.
    """
    from kolgraph.listen.higgs import higgs_source
    from kolgraph.listen.listener import RejectLog
    from kolgraph.listen.service import open_listener
    from kolgraph.listen.sources import Position, file_source, stream_source
    from kolgraph.schemas.listen import ListenReport

    settings = load_settings()
    if source == "-":
        reject_path = rejects or Path.cwd() / "stdin.rejects.tsv"
    else:
        path = Path(source)
        if not path.is_file():
            from kolgraph.errors import InputError

            raise InputError(f"no file {path}", hint="give a JSON Lines file of events, or -")
        reject_path = rejects or path.with_name(path.name + ".rejects.tsv")
    stop = {"now": False}

    def _stop(*_: Any) -> None:
        stop["now"] = True

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    with (
        opened_store(db, store, create=True) as st,
        open_listener(st, settings, lateness=lateness, alert_cmd=alert_cmd) as listener,
    ):
        if source == "-":
            lines = stream_source(sys.stdin.buffer)
        else:
            kind = "higgs" if higgs else "file"
            name = f"{kind}:{Path(source).resolve()}"
            start = None if restart else Position.parse(st.listening.checkpoint(name))
            if start is not None and start.line:
                console.print(f"resuming {source} at line {start.line + 1}", highlight=False)
            lines = (
                higgs_source(Path(source), start=start)
                if higgs
                else file_source(Path(source), start=start, follow=follow)
            )

        def _progress(stats: Any) -> None:
            if fmt is OutFormat.table and sys.stderr.isatty():
                console.print(
                    f"{stats.events:,} events ({stats.new:,} new, {stats.rejected:,} rejected) "
                    f"{stats.rate:,.0f}/s",
                    highlight=False,
                )

        stats = listener.consume(
            lines,
            rejects=RejectLog(reject_path),
            batch_size=settings.listen_batch_size,
            batch_seconds=settings.listen_batch_seconds,
            on_batch=_progress,
            should_stop=lambda: stop["now"],
        )
    report = ListenReport(
        **stats.as_json(),
        rejects_path=str(reject_path) if stats.rejected else None,
    )
    if fmt is OutFormat.json:
        write_json(report)
        return
    console.print(
        f"{report.events:,} events read in {report.seconds:.1f} s "
        f"({report.events_per_second:,.0f}/s): "
        f"{report.new:,} new, {report.duplicates:,} already stored, {report.late:,} late, "
        f"{report.rejected:,} rejected"
        + (f" (see {reject_path})" if report.rejected else "")
        + f"; {report.alerts} alert(s)",
        highlight=False,
    )
    for name, n in sorted(report.topics.items()):
        console.print(f"  topic {name}: {n:,} new events", highlight=False)


@topics_app.command("add")
@handle_errors
def add(
    name: Annotated[str, typer.Argument(help="The topic's name.")],
    hashtag: Annotated[
        list[str] | None, typer.Option("--hashtag", help="A hashtag (repeat).")
    ] = None,
    keyword: Annotated[
        list[str] | None,
        typer.Option("--keyword", help="A keyword or phrase, Chinese included (repeat)."),
    ] = None,
    root: Annotated[
        list[str] | None,
        typer.Option("--root", help="A root post id: it and every repost below it (repeat)."),
    ] = None,
    any_: Annotated[
        bool, typer.Option("--any", help="Every event of the stream (a stream of one topic).")
    ] = False,
    platform: Annotated[str | None, typer.Option(help="Only events of this platform.")] = None,
    db: DbOpt = None,
    store: StoreOpt = None,
    fmt: FormatOpt = OutFormat.table,
) -> None:
    """Follow a topic; events already stored are matched at once."""
    from kolgraph.listen.service import add_topic
    from kolgraph.listen.topics import TopicDef
    from kolgraph.schemas.listen import TopicOut

    topic = TopicDef(
        name,
        hashtags=tuple(hashtag or ()),
        keywords=tuple(keyword or ()),
        roots=tuple(root or ()),
        any=any_,
        platform=platform,
    )
    with opened_store(db, store, create=True) as st:
        add_topic(st, load_settings(), topic)
        record = st.listening.get_topic(name)
    if fmt is OutFormat.json:
        write_json(TopicOut.from_record(record))
        return
    console.print(f"topic {name} added: {record.events:,} stored event(s) match", highlight=False)


@topics_app.command("list")
@handle_errors
def list_topics(db: DbOpt = None, store: StoreOpt = None, fmt: FormatOpt = OutFormat.table) -> None:
    """Every topic with its events, phase, bursts and forecast."""
    from kolgraph.schemas.listen import TopicOut, TopicsPage

    with opened_store(db, store) as st:
        rows = [TopicOut.from_record(r) for r in st.listening.topics()]
    if fmt is OutFormat.json:
        write_json(TopicsPage(data=rows, count=len(rows)))
        return
    t = Table(title=f"{len(rows)} topic(s)")
    for col in ("name", "events", "adopters", "phase", "bursts", "forecast (80%)", "last event"):
        t.add_column(col)
    for r in rows:
        t.add_row(
            r.name,
            f"{r.events:,}",
            f"{r.adopters:,}",
            r.phase,
            str(len(r.bursts)),
            _forecast_cell(r),
            r.last or "-",
        )
    out.print(t)


def _forecast_cell(r: Any) -> str:
    if r.forecast is None:
        return "-"
    f = r.forecast.final_size
    return f"{f.expected:,.0f} ({f.low:,.0f}-{f.high:,.0f})"


@topics_app.command("show")
@handle_errors
def show(
    name: Annotated[str, typer.Argument(help="The topic's name.")],
    recompute: Annotated[
        bool,
        typer.Option(help="Rebuild the state from the stored events instead of reading it."),
    ] = False,
    db: DbOpt = None,
    store: StoreOpt = None,
    fmt: FormatOpt = OutFormat.table,
) -> None:
    """A topic's bursts, phase, amplifiers, communities reached and size forecast."""
    from kolgraph.listen.service import recompute_topic
    from kolgraph.schemas.listen import TopicOut

    with opened_store(db, store) as st:
        if recompute:
            recompute_topic(st, load_settings(), name)
        topic = TopicOut.from_record(st.listening.get_topic(name))
    if fmt is OutFormat.json:
        write_json(topic)
        return
    console.print(
        f"topic {topic.name}: {topic.events:,} events, {topic.adopters:,} adopters, "
        f"{topic.first or '-'} .. {topic.last or '-'}; phase {topic.phase}",
        highlight=False,
    )
    if topic.forecast is not None:
        console.print(
            f"forecast final size {_forecast_cell(topic)} events "
            f"({topic.forecast.method or 'model'}, at {topic.forecast.age_hours:.1f} h)",
            highlight=False,
        )
    for early in topic.early_forecasts:
        final = early.get("final_size", {})
        console.print(
            f"  forecast at {early['at_hours']:g} h: {final.get('expected', 0):,.0f} "
            f"({final.get('low', 0):,.0f}-{final.get('high', 0):,.0f}; {early.get('method')})",
            highlight=False,
        )
    bursts = Table(title="bursts (event time, UTC)")
    for col in ("start", "alert", "delay (min)", "end", "peak /h", "baseline /h"):
        bursts.add_column(col)
    from kolgraph.listen.tracker import iso

    for b in topic.bursts:
        bursts.add_row(
            iso(b.start) or "-",
            iso(b.detected_at) or "-",
            f"{b.delay_minutes:.0f}",
            iso(b.end) or "ongoing",
            f"{b.peak_rate:,.0f}",
            f"{b.baseline_rate:,.0f}",
        )
    out.print(bursts)
    amps = Table(title=f"amplifiers (last {topic.window_hours or 0:g} h)")
    for col in ("account", "caused (window)", "caused", "moved", "bridged", "community", "flags"):
        amps.add_column(col)
    for a in topic.amplifiers[:10]:
        amps.add_row(
            a.key,
            f"{a.downstream_recent:,}",
            f"{a.downstream:,}",
            f"{a.moved:,}",
            str(a.bridged),
            cell(a.community),
            ", ".join(a.flags) or "-",
        )
    out.print(amps)
    console.print(f"communities reached: {len(topic.communities)}", highlight=False)


@topics_app.command("remove")
@handle_errors
def remove(
    name: Annotated[str, typer.Argument(help="The topic's name.")],
    db: DbOpt = None,
    store: StoreOpt = None,
) -> None:
    """Stop following a topic (its events stay stored)."""
    with opened_store(db, store) as st:
        st.listening.remove_topic(name)
    console.print(f"topic {name} removed", highlight=False)


@handle_errors
def respond(
    topic: Annotated[str, typer.Argument(help="The topic to respond to.")],
    budget: Annotated[float, typer.Option(help="The response's budget.")],
    within: Annotated[
        str, typer.Option(help="How soon the response must land: 8h, 90m, 1d, or hours.")
    ] = "8h",
    recent: Annotated[
        str, typer.Option(help="Adopters this recent show where the topic is heading.")
    ] = "6h",
    kol: Annotated[str | None, typer.Option(help="KOL count range MIN..MAX.")] = None,
    media: Annotated[
        str | None, typer.Option(help="Media count range (default: at least one).")
    ] = None,
    own: Annotated[
        str | None, typer.Option(help="Own-account count range (default: at least one).")
    ] = None,
    partner: Annotated[str | None, typer.Option(help="Partner count range.")] = None,
    platform: Annotated[str | None, typer.Option(help="Only accounts on this platform.")] = None,
    max_accounts: Annotated[int | None, typer.Option(help="At most this many accounts.")] = None,
    db: DbOpt = None,
    store: StoreOpt = None,
    fmt: FormatOpt = OutFormat.table,
) -> None:
    """Plan a response that lands within the window, in the communities the topic reached
    and is about to reach, through own, media and trusted accounts, never its amplifiers."""
    from kolgraph.listen.service import respond_to_topic
    from kolgraph.model import Kind
    from kolgraph.plan import KindRange
    from kolgraph.schemas.respond import ResponseResponse, parse_duration

    mix = {}
    for kind, text in (
        (Kind.KOL, kol),
        (Kind.MEDIA, media),
        (Kind.OWN, own),
        (Kind.PARTNER, partner),
    ):
        if text is not None:
            mix[kind] = KindRange.parse(text, name=kind.value)
    settings = load_settings()
    with opened_store(db, store) as st:
        rp = respond_to_topic(
            st,
            settings,
            topic,
            budget=budget,
            within_hours=parse_duration(within),
            recent_hours=parse_duration(recent, name="recent"),
            mix=mix or None,
            platform=platform,
            max_accounts=max_accounts,
        )
    if fmt is OutFormat.json:
        write_json(ResponseResponse.from_response(rp))
        return
    from kolgraph.cli.plan_print import print_plan

    reached = ", ".join(f"{c} ({n})" for c, n in list(rp.topic_communities.items())[:10])
    heading = ", ".join(str(c) for c in rp.frontier)
    console.print(
        f"topic {topic} reached communities (adopters): {reached or '-'}", highlight=False
    )
    console.print(f"about to reach: {heading or '-'}", highlight=False)
    print_plan(rp.plan)
    r = rp.reach_within
    console.print(
        f"expected within {rp.within_hours:g} h: {r.expected:,.0f} people "
        f"(80%: {r.low:,.0f}-{r.high:,.0f}; {r.basis})",
        highlight=False,
    )
    sched = Table(title="when each account posts (hours after the start)")
    sched.add_column("account")
    sched.add_column("hour")
    for key, hours in sorted(rp.schedule.items(), key=lambda kv: kv[1]):
        sched.add_row(key, f"{hours:.1f}")
    out.print(sched)
    if rp.dropped:
        console.print(
            f"{len(rp.dropped)} account(s) left out (amplifiers, flagged, untrusted)",
            highlight=False,
        )
    for note in rp.notes:
        console.print(f"note: {note}", highlight=False)
