"""`python -m bench NAME [options]`: run one benchmark by name."""
import importlib
import sys

BENCHMARKS = {
    "roster-import": "bench.roster_import",
    "staff": "bench.staff",
    "stats": "bench.stats",
    "library": "bench.library",
    "chats": "bench.chats",
    "api": "bench.api",
    "api-scim": "bench.api_scim",
    "dpo": "bench.dpo",
    "joining": "bench.joining",
    "roster-safety": "bench.roster_safety",
}


def main(argv: list[str]) -> int:
    if not argv or argv[0] not in BENCHMARKS:
        print("Использование: python -m bench NAME [параметры]\nБенчмарки: " + ", ".join(sorted(BENCHMARKS)))
        return 2
    module = importlib.import_module(BENCHMARKS[argv[0]])
    return module.main(argv[1:]) or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
