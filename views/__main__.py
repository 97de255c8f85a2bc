"""Small operator commands of the views package (the cockpit CLI may wrap them).

python -m views seed                      # the example views for every tenant (idempotent)
python -m views deliver                   # send due notification e-mails once (retries, digests)
python -m views deliver --every 300       # ... every 5 minutes until interrupted
python -m views match DOC_ID [DOC_ID ...] # match documents against subscriptions (as after an ingest)
"""

from __future__ import annotations

import argparse
import datetime as dt
import logging
import sys
import time


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m views", description=__doc__.split("\n\n")[0])
    ap.add_argument("--prefix", help="index prefix (default: settings.index_prefix)")
    sub = ap.add_subparsers(dest="cmd", required=True)
    sub.add_parser("seed", help="create the example views")
    d = sub.add_parser("deliver", help="send due notification e-mails")
    d.add_argument("--every", type=float, default=0.0, help="repeat every N seconds (0 = once)")
    m = sub.add_parser("match", help="match documents against subscriptions")
    m.add_argument("doc_ids", nargs="+")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    logging.getLogger("elastic_transport").setLevel(logging.WARNING)

    from core.es import get_client
    from core.settings import get_settings

    es = get_client()
    prefix = args.prefix or get_settings().index_prefix
    if args.cmd == "seed":
        from views.seed import seed_examples

        written = seed_examples(es, prefix)
        print(f"{len(written)} example views written" + ("" if written else " (all existed already)"))
        return 0
    if args.cmd == "match":
        from views.subscriptions import after_ingest

        print(after_ingest(es, prefix, args.doc_ids))
        return 0
    from views.subscriptions import deliver_pending

    while True:
        report = deliver_pending(es, prefix, dt.datetime.now(dt.UTC))
        print(
            f"{dt.datetime.now().isoformat(timespec='seconds')}: due {report.due}, e-mails sent {report.emails_sent} "
            f"({report.notifications_sent} notifications), requeued {report.requeued}, withdrawn {report.withdrawn}"
            + (f", errors: {'; '.join(report.errors)[:300]}" if report.errors else ""),
            flush=True,
        )
        if args.every <= 0:
            return 0 if not report.errors else 1
        time.sleep(args.every)


if __name__ == "__main__":
    sys.exit(main())
