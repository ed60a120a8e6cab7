"""The join-rate bench (bench/chats_synapse.py) measures what it says, on the session's real Synapse."""
from bench.chats_synapse import measure_join_rate

pytest_plugins = ["sreda.chats.testing_synapse"]  # until the root conftest lists it


def test_bench_rows_compare_the_connector_with_the_direct_admin_join(synapse):
    direct, through = measure_join_rate(n=20, server=synapse)
    assert set(direct) == {"title", "size", "seconds", "rate", "target", "ok"}
    assert (direct["size"], through["size"]) == (20, 20)
    assert direct["target"] is None and through["target"] == round(direct["rate"] * 0.8, 1)
    assert through["ok"] == (through["rate"] >= through["target"])
    assert synapse.running  # a server passed in is not stopped by the bench
