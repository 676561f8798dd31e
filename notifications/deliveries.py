"""Messages that leave the system: who is reached by which channel and when, each delivery tried
through Celery with backoff, logged, and a channel that keeps failing reported.

- `deliveries_for(notifications)`: right after notifications are raised. For each recipient's
  channels (DeliveryPreference; none: e-mail), a personal delivery per notification — unless the
  person takes the daily digest (overdue alerts and escalations still go at once when they asked
  for that) — held until the end of their quiet hours; a group robot gets one message per alert.
- `digests_compose(now)`: 08:00 China time on a working day (beat's `compose-digests`): each
  digest reader's open notices in one message per channel. For a year the working-day calendar
  has no data for yet, Monday to Friday (and a warning in the log).
- `delivery_attempt(id)`: one try, under the delivery's row lock (taken with SKIP LOCKED), only while
  it is pending and due; so the same delivery queued twice — two sweeps, a job redelivered — is
  sent once. The lock is held while the message is sent: a second job waits or skips, never
  sends alongside. (A process killed between the receiver's answer and the commit leaves the
  delivery pending; its retry may then send it again: e-mail carries a Message-ID made from the
  key so mail systems drop the copy; a robot group would see it twice.)
- A failure waits DELIVERY_BACKOFF_SECONDS × 2^(n-1), the `send-due-deliveries` beat job queues it
  again when due; after DELIVERY_MAX_ATTEMPTS tries it is failed, and its channel is reported to
  the organization department once a day (a notice in their bell, the deliveries page).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterable

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone, translation
from psycopg2.extras import execute_values

from engine.calendar import CST, cn_date, is_working_day
from engine.errors import CalendarUnavailable, ValidationFailed
from engine.i18n import _
from organizations.audit import record_append
from organizations.models import Organization
from organizations.selectors import active_assignments
from workflows.assignment import slot as make_slot
from workflows.assignment import slot_holders

from .channels import CHANNELS, ChannelError, Message, configured_codes
from .models import (
    AlertKind,
    AttemptOutcome,
    Channel,
    ChannelReport,
    Delivery,
    DeliveryAttempt,
    DeliveryPreference,
    DeliveryStatus,
    Notification,
)
from .render import DigestLines, outgoing

log = logging.getLogger("partyflow.notifications")

IMMEDIATE_KINDS_WITH_DIGEST = (AlertKind.OVERDUE, AlertKind.ESCALATED)
DIGEST_MAX_LINES = 30


# ---- preferences -------------------------------------------------------------------------------


def default_preference(user) -> DeliveryPreference:
    return DeliveryPreference(user=user, channels=[Channel.EMAIL])


def preference_of(user) -> DeliveryPreference:
    return DeliveryPreference.objects.filter(user=user).first() or default_preference(user)


def preferences_of(users: Iterable) -> dict[int, DeliveryPreference]:
    users = {u.pk: u for u in users}
    found = {p.user_id: p for p in DeliveryPreference.objects.filter(user_id__in=list(users))}
    result = {}
    for pk, user in users.items():
        pref = found.get(pk) or default_preference(user)
        pref.user = user
        result[pk] = pref
    return result


def _mask(mobile: str) -> str:
    return f"{mobile[:3]}****{mobile[-4:]}" if len(mobile) >= 7 else mobile


def _pref_record(pref: DeliveryPreference) -> dict:
    return {
        "channels": list(pref.channels),
        "digest": pref.digest,
        "overdue_immediate": pref.overdue_immediate,
        "quiet_start": pref.quiet_start.strftime("%H:%M") if pref.quiet_start else None,
        "quiet_end": pref.quiet_end.strftime("%H:%M") if pref.quiet_end else None,
        "wecom_userid": pref.wecom_userid,
        "mobile": _mask(pref.mobile),
    }


def preference_update(
    *,
    actor,
    channels: list[str],
    digest: bool,
    overdue_immediate: bool,
    quiet_start: dt.time | None,
    quiet_end: dt.time | None,
    wecom_userid: str = "",
    mobile: str = "",
) -> DeliveryPreference:
    """The actor's own preferences. Refuses (400, the field named) a channel that is not configured
    here, a personal channel without the address it needs, half a quiet window."""
    available = configured_codes()
    errors = {}
    unknown = [c for c in channels if c not in available]
    if unknown:
        errors["channels"] = _("本系统未配置这些渠道：%(codes)s。可选：%(available)s。") % {
            "codes": "、".join(unknown),
            "available": "、".join(str(Channel(c).label) for c in available),
        }
    wecom_userid, mobile = (wecom_userid or "").strip(), (mobile or "").strip()
    if Channel.EMAIL in channels and not actor.email:
        errors["channels"] = _("您的账号没有电子邮箱地址，不能选择电子邮件。")
    if Channel.WECOM_APP in channels and not wecom_userid:
        errors["wecom_userid"] = _("选择企业微信应用消息时须填写企业微信账号。")
    if mobile and not (mobile.isdigit() and len(mobile) == 11 and mobile.startswith("1")):
        errors["mobile"] = _("手机号须为 11 位数字，以 1 开头。")
    elif Channel.SMS in channels and not mobile:
        errors["mobile"] = _("选择短信时须填写手机号。")
    if (quiet_start is None) != (quiet_end is None):
        errors["quiet_end" if quiet_start else "quiet_start"] = _(
            "免打扰时段须同时填写开始和结束时间。"
        )
    elif quiet_start is not None and quiet_start == quiet_end:
        errors["quiet_end"] = _("免打扰时段的开始和结束时间不能相同。")
    if errors:
        raise ValidationFailed(_("通知设置有误。"), code="invalid_preferences", fields=errors)
    with transaction.atomic():
        pref = DeliveryPreference.objects.select_for_update().filter(user=actor).first()
        before = _pref_record(pref) if pref else _pref_record(default_preference(actor))
        pref = pref or DeliveryPreference(user=actor)
        pref.channels = [c for c in available if c in channels]
        pref.digest = bool(digest)
        pref.overdue_immediate = bool(overdue_immediate)
        pref.quiet_start, pref.quiet_end = quiet_start, quiet_end
        pref.wecom_userid, pref.mobile = wecom_userid, mobile
        pref.updated_at = timezone.now()
        pref.save()
        after = _pref_record(pref)
        record_append(
            action="delivery_preference_updated",
            actor=actor,
            actor_roles=[
                {"role": a.role, "organization": a.organization_id}
                for a in active_assignments(actor)
            ],
            entity="deliverypreference",
            entity_id=pref.pk,
            label=actor.get_username(),
            data={
                k: {"before": before.get(k), "after": v}
                for k, v in after.items()
                if before.get(k) != v
            },
        )
    return pref


# ---- when ------------------------------------------------------------------------------------


def quiet_until(pref: DeliveryPreference, now: dt.datetime) -> dt.datetime | None:
    """The end of the person's quiet hours when `now` falls in them (China time), else None."""
    if pref.quiet_start is None or pref.quiet_end is None:
        return None
    local = now.astimezone(CST)
    t, start, end = local.time(), pref.quiet_start, pref.quiet_end
    inside = (start <= t < end) if start < end else (t >= start or t < end)
    if not inside:
        return None
    day = local.date() if t < end else local.date() + dt.timedelta(days=1)
    return dt.datetime.combine(day, end, tzinfo=CST)


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(
        seconds=settings.PARTYFLOW["DELIVERY_BACKOFF_SECONDS"] * 2 ** max(attempts - 1, 0)
    )


# ---- planning ----------------------------------------------------------------------------------


def _alert_key(n: Notification) -> str:
    about = f"t{n.task_id}" if n.task_id else f"c{n.case_id}:{n.params.get('term_end', '')}"
    return f"{n.kind}:{about}"


def deliveries_plan(*, notifications: list[Notification], now=None) -> list[tuple]:
    """The delivery rows for notifications just raised (see the module); a row whose key exists
    already is not made again. Returns (id, next_attempt_at, recipient id) of the rows made."""
    now = now or timezone.now()
    if not notifications:
        return []
    prefs = preferences_of({n.recipient_id: n.recipient for n in notifications}.values())
    available = set(configured_codes())
    rows: dict[str, Delivery] = {}
    with translation.override(settings.LANGUAGE_CODE):
        for n in notifications:
            _plan_one(n, prefs[n.recipient_id], available, rows, now)
    return _insert(list(rows.values()))


def _plan_one(n: Notification, pref, available: set, rows: dict, now) -> None:
    """The delivery rows of one notification, added to `rows` by key; its message is rendered only
    when a row is made (in the language the caller activated)."""
    immediate = not pref.digest or (
        pref.overdue_immediate and n.kind in IMMEDIATE_KINDS_WITH_DIGEST
    )
    message = None
    for code in pref.channels:
        channel = CHANNELS.get(code)
        if code not in available or channel is None:
            continue
        if channel.group:
            # A group sees each alert once, at once: it has no one's quiet hours or digest.
            key = f"{code}:{_alert_key(n)}"
            address, recipient, when = "group", None, now
        else:
            if not immediate:
                continue
            address = channel.address(pref)
            if not address:
                continue
            key = f"{code}:n{n.pk}"
            recipient, when = n.recipient, quiet_until(pref, now) or now
        if key in rows:
            continue
        if message is None:
            message = outgoing(n.kind, n.params, task_id=n.task_id, case_id=n.case_id)
        subject, text, link = message
        rows[key] = Delivery(
            key=key,
            channel=code,
            recipient=recipient,
            notification=n,
            address=address,
            subject=subject,
            text=text,
            link=link,
            created_at=now,
            next_attempt_at=when,
        )


def _insert(rows: list[Delivery]) -> list[tuple]:
    """Insert the rows whose key is new; returns (id, next_attempt_at, recipient id) of each made.
    On PostgreSQL one INSERT … ON CONFLICT (key) DO NOTHING RETURNING per 2,000 rows (a digest of
    tens of thousands is built in seconds; the ORM's bulk_create spends most of its time preparing
    each field); elsewhere the ORM."""
    if not rows:
        return []
    if connection.vendor == "postgresql":
        fields = [f for f in Delivery._meta.concrete_fields if not f.primary_key]
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
        sql = (
            f"INSERT INTO {Delivery._meta.db_table} ({columns}) VALUES %s "
            "ON CONFLICT (key) DO NOTHING RETURNING id, next_attempt_at, recipient_id"
        )
        values = [
            tuple(f.get_db_prep_save(getattr(r, f.attname), connection) for f in fields)
            for r in rows
        ]
        with connection.cursor() as cursor:
            return execute_values(cursor.cursor, sql, values, page_size=2000, fetch=True)
    keys = [r.key for r in rows]
    existing = set(Delivery.objects.filter(key__in=keys).values_list("key", flat=True))
    Delivery.objects.bulk_create(
        [r for r in rows if r.key not in existing], ignore_conflicts=True, batch_size=2000
    )
    return list(
        Delivery.objects.filter(key__in=[k for k in keys if k not in existing]).values_list(
            "pk", "next_attempt_at", "recipient_id"
        )
    )


def deliveries_for(*, notifications: list[Notification], now=None) -> int:
    """Plan the deliveries of notifications just raised and queue those due now. Returns how many
    were planned."""
    now = now or timezone.now()
    made = deliveries_plan(notifications=notifications, now=now)
    deliveries_queue([pk for pk, when, _r in made if when <= now])
    return len(made)


def digests_compose(*, now=None) -> dict:
    """The daily digest (08:00 China time; nothing on a day off): for each person who takes it, one
    message per personal channel listing their open notices, the newest first. Keyed by person,
    channel and day, so a second run that day makes nothing. Returns {"day", "recipients",
    "deliveries"}."""
    now = now or timezone.now()
    day = now.astimezone(CST).date()
    result = {"day": day.isoformat(), "recipients": 0, "deliveries": 0}
    try:
        working = is_working_day(day)
    except CalendarUnavailable as exc:
        # A year the calendar does not know yet must not stop the sweep: Monday to Friday, said.
        log.warning("digest: %s; sending on weekdays", exc.message)
        working = day.weekday() < 5
    if not working:
        return result
    available = set(configured_codes())
    prefs = {
        p.user_id: p
        for p in DeliveryPreference.objects.filter(
            digest=True, user__is_active=True
        ).select_related("user")
        if any(c in available and not CHANNELS[c].group for c in p.channels)
    }
    if not prefs:
        return result
    open_notes: dict[int, list[tuple]] = {}
    for recipient_id, *note in (
        Notification.objects.filter(
            recipient__delivery_preference__digest=True,
            read_at__isnull=True,
            resolved_at__isnull=True,
        )
        .order_by("recipient_id", "-created_at", "-id")
        .values_list("recipient_id", "kind", "params", "task_id", "case_id")
        .iterator(chunk_size=5000)
    ):
        if recipient_id in prefs:
            open_notes.setdefault(recipient_id, []).append(note)
    rows = []
    with translation.override(settings.LANGUAGE_CODE):
        subject = str(_("待办提醒（%(day)s）") % {"day": cn_date(day)})
        digest_lines = DigestLines()
        head_pattern = str(_("您有 %(count)s 项待办提醒："))
        more_pattern = str(_("另有 %(count)s 项，请登录查看。"))
        for user_id, notes in open_notes.items():
            pref = prefs[user_id]
            lines = [
                digest_lines.line(kind, params, task_id=task_id, case_id=case_id)
                for kind, params, task_id, case_id in notes[:DIGEST_MAX_LINES]
            ]
            more = len(notes) - len(lines)
            head = head_pattern % {"count": len(notes)}
            text = "\n".join(
                [subject, head, *lines] + ([more_pattern % {"count": more}] if more else [])
            )
            when = quiet_until(pref, now) or now
            for code in pref.channels:
                channel = CHANNELS.get(code)
                if code not in available or channel is None or channel.group:
                    continue
                address = channel.address(pref)
                if not address:
                    continue
                rows.append(
                    Delivery(
                        key=f"digest:{day.isoformat()}:{code}:u{user_id}",
                        channel=code,
                        recipient_id=user_id,
                        digest=True,
                        address=address,
                        subject=subject,
                        text=text,
                        link=f"{settings.PARTYFLOW['SITE_URL']}/inbox/",
                        created_at=now,
                        next_attempt_at=when,
                    )
                )
    made = _insert(rows)
    deliveries_queue([pk for pk, when, _r in made if when <= now])
    result["recipients"] = len({recipient for _pk, _w, recipient in made})
    result["deliveries"] = len(made)
    return result


def deliveries_queue(ids: list[int], *, after_commit: bool = False) -> int:
    """Hand deliveries to the workers in batches of PARTYFLOW["DELIVERY_BATCH"] (`after_commit`:
    once the current transaction commits). A batch a worker received before its rows were visible
    loses nothing: `send-due-deliveries` queues every pending delivery that is due. Returns the
    number of batches."""
    # notifications.tasks imports this module's callers (the Celery jobs), so it is imported here.
    from .tasks import deliver_batch

    size = settings.PARTYFLOW["DELIVERY_BATCH"]
    batches = [ids[i : i + size] for i in range(0, len(ids), size)]
    for batch in batches:
        if after_commit:
            transaction.on_commit(lambda b=batch: deliver_batch.delay(b))
        else:
            deliver_batch.delay(batch)
    return len(batches)


def deliveries_due(*, now=None, limit: int = 10000) -> list[int]:
    """Pending deliveries whose time has come (a retry after its backoff, the end of quiet hours)."""
    now = now or timezone.now()
    return list(
        Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )


# ---- sending -----------------------------------------------------------------------------------


def delivery_attempt(*, delivery_id: int, now=None) -> str | None:
    """Try one delivery (see the module). Returns the attempt's outcome, or None when there was
    nothing to do (sent or failed already, not due, or being sent by another worker)."""
    with transaction.atomic():
        d = (
            Delivery.objects.select_for_update(skip_locked=True)
            .filter(pk=delivery_id, status=DeliveryStatus.PENDING)
            .first()
        )
        now = now or timezone.now()
        if d is None or d.next_attempt_at > now:
            return None
        channel = CHANNELS[d.channel]
        try:
            if not channel.configured():
                raise ChannelError(_("渠道未配置"))
            channel.send(Message(d.subject, d.text, d.link, d.key), d.address)
        except ChannelError as exc:
            error = str(exc)[:500]
            d.attempts += 1
            d.last_error = error
            if d.attempts >= settings.PARTYFLOW["DELIVERY_MAX_ATTEMPTS"]:
                d.status, outcome = DeliveryStatus.FAILED, AttemptOutcome.FAILED
            else:
                d.next_attempt_at, outcome = now + _backoff(d.attempts), AttemptOutcome.RETRY
            log.warning("delivery %s by %s failed (%s): %s", d.pk, d.channel, outcome, error)
        else:
            d.attempts += 1
            d.status, d.sent_at, outcome, error = DeliveryStatus.SENT, now, AttemptOutcome.SENT, ""
        d.save(update_fields=["attempts", "last_error", "status", "next_attempt_at", "sent_at"])
        DeliveryAttempt.objects.create(delivery=d, at=now, outcome=outcome, error=error)
        if d.channel == Channel.EMAIL and d.notification_id:
            if outcome == AttemptOutcome.SENT:
                Notification.objects.filter(pk=d.notification_id).update(emailed_at=now)
            else:
                Notification.objects.filter(pk=d.notification_id).update(email_error=error)
        if outcome == AttemptOutcome.FAILED:
            channel_report(channel=d.channel, error=error, now=now)
    return outcome


def deliveries_attempt(*, delivery_ids: list[int], now=None) -> dict:
    """A worker's batch: each delivery in its own transaction. Returns the outcomes counted."""
    counts = {o.value: 0 for o in AttemptOutcome} | {"skipped": 0}
    for pk in delivery_ids:
        outcome = delivery_attempt(delivery_id=pk, now=now)
        counts[outcome or "skipped"] += 1
    return counts


def channel_report(*, channel: str, error: str, now=None) -> ChannelReport:
    """A delivery by `channel` was given up: count it on the channel's report of the day; the first
    of the day tells the organization department (their bell)."""
    now = now or timezone.now()
    day = now.astimezone(CST).date()
    try:
        with transaction.atomic():
            report = ChannelReport.objects.create(
                channel=channel, day=day, failed=1, last_error=error, created_at=now
            )
    except IntegrityError:
        report = ChannelReport.objects.select_for_update().get(channel=channel, day=day)
        report.failed += 1
        report.last_error = error
        report.save(update_fields=["failed", "last_error"])
        return report
    roots = Organization.objects.filter(parent=None).values_list("pk", flat=True)
    slots = [make_slot("org_department", pk) for pk in roots]
    holders = slot_holders(slots)
    users = {u.pk: u for s in slots for u in holders.get(s, [])}
    params = {
        "channel": channel,
        "channel_label": str(Channel(channel).label),
        "failed": 1,
        "error": error,
        "day": day.isoformat(),
    }
    Notification.objects.bulk_create(
        [
            Notification(recipient=u, kind=AlertKind.CHANNEL_FAILING, params=params, created_at=now)
            for u in users.values()
        ]
    )
    return report
