"""Where a crawl starts: seed files of account ids and posts.

A seed is an account id, or a post written ``post:AUTHOR_ID/POST_ID[@UNIX_TIME]``:
the crawl then starts from the post's reposts (and quotes), and the
reposters are expanded like accounts found on any list. The time dates the
repost edges on platforms whose repost lists give none (X).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kolgraph.errors import InputError

__all__ = ["POST_SEED", "PostSeed", "read_seeds"]

#: The prefix of a post seed.
POST_SEED = "post:"


@dataclass(frozen=True, slots=True)
class PostSeed:
    """A post seed, ``post:AUTHOR_ID/POST_ID[@UNIX_TIME]``, taken apart."""

    author: str
    post_id: str
    ts: int | None = None

    @classmethod
    def parse(cls, seed: str) -> PostSeed | None:
        """The post ``seed`` names; ``None`` when it is not a well-formed post seed."""
        if not seed.startswith(POST_SEED) or any(c.isspace() for c in seed):
            return None
        author, slash, post = seed[len(POST_SEED) :].partition("/")
        post, at, ts = post.partition("@")
        if not (author and slash and post) or (at and not ts.isdigit()):
            return None
        return cls(author, post, int(ts) if ts else None)


def read_seeds(path: str | Path, platform: str) -> list[str]:
    """Seeds from a file: one per line, ``#`` comments and blank lines ignored.

    A line is an account id (an optional ``platform:`` prefix is stripped) or
    a post seed (see the module docstring). Duplicates are dropped, the first
    kept.

    Raises
    ------
    InputError
        An unreadable file, a seed of another platform, a malformed seed, or
        no seed at all.
    """
    p = Path(path)
    try:
        lines = p.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise InputError(
            f"cannot read seeds file {p}: {exc.strerror}",
            hint="pass --seeds FILE with one account id per line",
        ) from exc
    seeds: list[str] = []
    for n, raw in enumerate(lines, 1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        if not line.startswith(POST_SEED):
            prefix, sep, rest = line.partition(":")
            if sep:
                if prefix != platform:
                    raise InputError(
                        f"seed {line!r} is for platform {prefix!r}, not {platform!r}",
                        source=str(p),
                        line=n,
                        hint=f"give bare ids or {platform}:ID keys",
                    )
                line = rest
        if line.startswith(POST_SEED):
            if PostSeed.parse(line) is None:
                raise InputError(
                    f"bad post seed {raw.strip()!r}",
                    source=str(p),
                    line=n,
                    hint="write posts as post:AUTHOR_ID/POST_ID[@UNIX_TIME]",
                )
            seeds.append(line)
            continue
        if not line or any(c.isspace() for c in line):
            raise InputError(f"bad seed id {raw!r}", source=str(p), line=n)
        seeds.append(line)
    if not seeds:
        raise InputError(f"seeds file {p} has no account ids", hint="one id per line")
    return list(dict.fromkeys(seeds))
