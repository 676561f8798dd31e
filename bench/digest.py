"""The morning digest at the capacity model's province scale: 50,000 recipients who take the daily
digest, each with three open notices, composed (one e-mail delivery row per person, text rendered)
and queued to the workers (batches of PARTYFLOW["DELIVERY_BATCH"] through a real Redis broker) by
`notifications.deliveries.digests_compose`, the job beat runs at 08:00 China time. Prints the time;
never asserts. Nothing is sent: the workers are not started and the queue is purged afterwards.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/partyflow python -m bench.digest
    python -m bench.digest --recipients 50000 --broker redis://127.0.0.1:6379/9

Like bench.run it never touches the database named in DATABASE_URL: it recreates `--db`
(default `partyflow_digest`) on the same server and migrates it.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import time

from .run import RESULTS_DIR, prepare_database, print_rows

# Tuesday 8 December 2026, 08:00 in Beijing: a working day.
MORNING = dt.datetime(2026, 12, 8, 0, 0, tzinfo=dt.UTC)


def populate(recipients: int) -> None:
    """Users with an address, a digest preference and three open notices each (setup, bulk)."""
    from django.contrib.auth import get_user_model

    from notifications.models import DeliveryPreference, Notification

    User = get_user_model()
    User.objects.bulk_create(
        [
            User(username=f"u{n:06d}", email=f"u{n:06d}@example.edu.cn", password="!")
            for n in range(recipients)
        ],
        batch_size=5000,
    )
    ids = list(User.objects.order_by("pk").values_list("pk", flat=True))
    DeliveryPreference.objects.bulk_create(
        [DeliveryPreference(user_id=pk, channels=["email"], digest=True) for pk in ids],
        batch_size=5000,
    )
    created = MORNING - dt.timedelta(hours=10)
    kinds = (
        ("due_soon", "提交换届请示", "2026-12-11T00:00:00+08:00"),
        ("due_soon", "派人谈话", "2026-12-10T00:00:00+08:00"),
        ("overdue", "个人自评", "2026-12-07T00:00:00+08:00"),
    )
    for start in range(0, len(ids), 5000):
        Notification.objects.bulk_create(
            [
                Notification(
                    recipient_id=pk,
                    kind=kind,
                    params={"task": task, "case": f"第{pk % 2000}党支部换届选举", "due_at": due},
                    created_at=created,
                )
                for pk in ids[start : start + 5000]
                for kind, task, due in kinds
            ]
        )


def queued(broker: str) -> int:
    from celery import current_app

    with current_app.connection_for_write() as conn:
        return conn.default_channel.queue_declare("celery", passive=True).message_count


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.digest", description=__doc__.split("\n\n")[0]
    )
    parser.add_argument("--db", default=os.environ.get("PARTYFLOW_BENCH_DB", "partyflow_digest"))
    parser.add_argument("--recipients", type=int, default=50_000)
    parser.add_argument(
        "--broker",
        default=os.environ.get("PARTYFLOW_BENCH_BROKER", "redis://127.0.0.1:6379/9"),
        help="a Redis or RabbitMQ URL; its default queue is purged before and after",
    )
    args = parser.parse_args(argv)

    os.environ["CELERY_BROKER_URL"] = args.broker  # queue for real, not eagerly
    prepare_database(args.db)
    import django

    django.setup()
    from celery import current_app
    from django.core.management import call_command

    from notifications.deliveries import digests_compose
    from notifications.models import Delivery

    call_command("migrate", verbosity=0)
    t0 = time.perf_counter()
    populate(args.recipients)
    setup_s = time.perf_counter() - t0
    current_app.control.purge()

    t0, c0 = time.perf_counter(), time.process_time()
    result = digests_compose(now=MORNING)
    compose_s, compose_cpu = time.perf_counter() - t0, time.process_time() - c0
    messages = queued(args.broker)
    current_app.control.purge()
    sample = Delivery.objects.order_by("pk").first()

    lines = [
        ("setup (users, preferences, notices; not measured)", f"{setup_s:.1f} s"),
        ("recipients / deliveries", f"{result['recipients']:,} / {result['deliveries']:,}"),
        ("compose and queue (digests_compose)", f"{compose_s:.1f} s"),
        ("  of which this process's CPU", f"{compose_cpu:.1f} s"),
        ("per recipient (wall)", f"{compose_s / max(result['recipients'], 1) * 1e6:.0f} µs"),
        ("load average (1 min) after", f"{os.getloadavg()[0]:.1f}"),
        ("worker messages queued", f"{messages:,} (batches of ≤ 200 deliveries)"),
    ]
    print_rows(("digest at 08:00", "value"), lines)
    print("\nfirst digest as composed:\n" + sample.text if sample else "")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    (RESULTS_DIR / "digest.json").write_text(
        json.dumps(
            {
                "recipients": result["recipients"],
                "deliveries": result["deliveries"],
                "compose_and_queue_s": round(compose_s, 2),
                "compose_cpu_s": round(compose_cpu, 2),
                "messages_queued": messages,
            }
        )
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
