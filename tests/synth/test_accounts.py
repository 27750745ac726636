"""Accounts: readable names, one topic name per community, prices that grow with the audience."""

from __future__ import annotations

import pandas as pd

from kolgraph.synth import DemoNetwork, generate_demo


def test_readable_names(net: DemoNetwork) -> None:
    acc = net.accounts
    name = acc["name"]
    assert name[acc["kind"] == "own"].iloc[0] == "Brand Official"
    kol_name = r"[A-Z][a-z]+ [A-Z][a-z]+ \([a-z ]+\d*\)"  # "Ava Chen (beauty)"
    assert name[acc["kind"] == "kol"].str.fullmatch(kol_name).all()
    assert name[acc["kind"] == "media"].str.count(" ").ge(2).all()  # "Daily Tech Wire"
    users = acc["kind"] == "user"
    assert (name[users] == "user_" + acc["account_id"][users]).all()


def test_more_communities_than_topics() -> None:
    net = generate_demo(3_000, n_communities=25)
    assert net.accounts["community"].max() == 24
    kols = net.accounts[net.accounts["kind"] == "kol"]
    assert kols["name"].str.endswith(")").all()


def test_costs_grow_with_audience(net: DemoNetwork) -> None:
    acc = net.accounts
    kols = acc[acc["kind"] == "kol"]
    assert kols["followers"].corr(kols["cost"], method="spearman") > 0.5
    assert acc.loc[acc["kind"] == "user", "cost"].isna().all()
    priced = acc[acc["kind"] != "user"]
    assert priced["cost"].notna().all()
    assert (priced["cost"] == priced["cost"].round()).all() and (priced["cost"] > 0).all()
    own = acc.loc[acc["kind"] == "own", "cost"]
    assert own.between(20, 50).all()
    media = acc[acc["kind"] == "media"]
    assert _cost_per_follower(media) > _cost_per_follower(kols)


def _cost_per_follower(accounts: pd.DataFrame) -> float:
    return float((accounts["cost"] / accounts["followers"].clip(lower=1)).median())
