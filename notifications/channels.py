"""The channels a message can leave by, each optional and configured in PARTYFLOW["CHANNELS"]:
e-mail (Django's e-mail backend, SMTP when EMAIL_HOST is set), a WeCom (企业微信) group robot, a
WeCom application message, a DingTalk (钉钉) group robot signed with its secret, and SMS through a
backend the installation provides (no vendor is wired in).

A channel's `send` either returns (the receiver accepted the message) or raises `ChannelError`
with the reason a person can read in the delivery log. Group robots post to one group: a message
about a task goes there once, whoever holds the task (`Channel.group`).

The HTTP robots follow their vendors' documents:
- WeCom group robot: POST JSON {"msgtype": "text", "text": {"content": …}} to the webhook; the
  answer {"errcode": 0} means accepted (developer.work.weixin.qq.com/document/path/91770).
- WeCom application message: GET /cgi-bin/gettoken?corpid=&corpsecret= for an access token, then
  POST /cgi-bin/message/send?access_token= {"touser", "msgtype": "textcard", "agentid", "textcard"}
  (document/path/90236).
- DingTalk group robot with 加签: timestamp in milliseconds; sign = urlencode(base64(
  HMAC-SHA256(key=secret, msg=f"{timestamp}\\n{secret}"))), both added to the webhook's query;
  POST JSON {"msgtype": "text", "text": {"content": …}}; {"errcode": 0} means accepted
  (open.dingtalk.com/document/robots/customize-robot-security-settings).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.utils.module_loading import import_string

from .models import Channel as ChannelCode

TIMEOUT_SECONDS = 10


class ChannelError(Exception):
    """The message was not accepted; `str(exc)` is the reason recorded in the delivery log."""


@dataclass(frozen=True)
class Message:
    subject: str
    text: str  # the whole message, link included
    link: str
    key: str  # the delivery's key: an e-mail's Message-ID is made from it


def config(code: str) -> dict:
    return (settings.PARTYFLOW.get("CHANNELS") or {}).get(code) or {}


def _post_json(url: str, payload: dict) -> dict:
    body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(
        url, data=body, headers={"Content-Type": "application/json; charset=utf-8"}
    )
    return _read_json(request)


def _read_json(request) -> dict:
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS) as response:  # noqa: S310 - configured https URL
            answer = json.loads(response.read().decode("utf-8") or "{}")
    except urllib.error.HTTPError as exc:
        raise ChannelError(f"HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError) as exc:
        raise ChannelError(f"{type(exc).__name__}: {getattr(exc, 'reason', exc)}") from exc
    except ValueError as exc:
        raise ChannelError(f"not JSON: {exc}") from exc
    if answer.get("errcode", 0) != 0:
        raise ChannelError(f"errcode {answer.get('errcode')}: {answer.get('errmsg', '')}")
    return answer


class Channel:
    code: str = ""
    group = False  # one group for everyone: a message per alert, not per recipient

    def configured(self) -> bool:
        return bool(config(self.code))

    def address(self, preference) -> str:
        """Where this person is reached ("" when they cannot be: no delivery is made)."""
        return "group"

    def send(self, message: Message, address: str) -> None:
        raise NotImplementedError


class EmailChannel(Channel):
    code = ChannelCode.EMAIL

    def configured(self) -> bool:
        return True  # Django's e-mail backend: SMTP when EMAIL_HOST is set, else the console

    def address(self, preference) -> str:
        return preference.user.email or ""

    def send(self, message: Message, address: str) -> None:
        domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "partyflow"
        digest = hashlib.sha256(message.key.encode()).hexdigest()[:32]
        email = EmailMessage(
            subject=f"[partyflow] {message.subject}",
            body=message.text,
            to=[address],
            # The same delivery always carries the same Message-ID: a mail system that sees it
            # twice (a send whose success was not recorded) can drop the second.
            headers={"Message-ID": f"<{digest}@{domain}>"},
        )
        try:
            get_connection(fail_silently=False).send_messages([email])
        except Exception as exc:  # noqa: BLE001 - any transport error is the delivery's failure
            raise ChannelError(f"{type(exc).__name__}: {exc}") from exc


class WeComRobotChannel(Channel):
    code = ChannelCode.WECOM_ROBOT
    group = True

    def send(self, message: Message, address: str) -> None:
        _post_json(
            config(self.code)["webhook"], {"msgtype": "text", "text": {"content": message.text}}
        )


def dingtalk_signed_url(webhook: str, secret: str, timestamp_ms: int) -> str:
    """The webhook with DingTalk's 加签 parameters (see the module)."""
    to_sign = f"{timestamp_ms}\n{secret}".encode()
    mac = hmac.new(secret.encode(), to_sign, hashlib.sha256).digest()
    sign = urllib.parse.quote_plus(base64.b64encode(mac))
    separator = "&" if "?" in webhook else "?"
    return f"{webhook}{separator}timestamp={timestamp_ms}&sign={sign}"


class DingTalkRobotChannel(Channel):
    code = ChannelCode.DINGTALK_ROBOT
    group = True

    def send(self, message: Message, address: str) -> None:
        conf = config(self.code)
        url = conf["webhook"]
        if conf.get("secret"):
            url = dingtalk_signed_url(url, conf["secret"], int(time.time() * 1000))
        _post_json(url, {"msgtype": "text", "text": {"content": message.text}})


class WeComAppChannel(Channel):
    """Needs corp_id, secret, agent_id (and api, default https://qyapi.weixin.qq.com); each person
    gives their WeCom user id on their preferences page."""

    code = ChannelCode.WECOM_APP

    def address(self, preference) -> str:
        return preference.wecom_userid

    def send(self, message: Message, address: str) -> None:
        conf = config(self.code)
        api = conf.get("api", "https://qyapi.weixin.qq.com").rstrip("/")
        query = urllib.parse.urlencode({"corpid": conf["corp_id"], "corpsecret": conf["secret"]})
        token = _read_json(urllib.request.Request(f"{api}/cgi-bin/gettoken?{query}"))
        _post_json(
            f"{api}/cgi-bin/message/send?access_token={urllib.parse.quote(token['access_token'])}",
            {
                "touser": address,
                "msgtype": "textcard",
                "agentid": int(conf["agent_id"]),
                "textcard": {
                    "title": message.subject,
                    "description": message.text,
                    "url": message.link,
                    "btntxt": "办理",
                },
            },
        )


class SmsBackend:
    """What an SMS vendor's adapter provides (PARTYFLOW["CHANNELS"]["sms"]["backend"], a dotted
    path to a class taking no arguments): send `text` to `mobile`, raise ChannelError if refused."""

    def send(self, mobile: str, text: str) -> None:  # pragma: no cover - an interface
        raise NotImplementedError


class SmsChannel(Channel):
    code = ChannelCode.SMS

    def configured(self) -> bool:
        return bool(config(self.code).get("backend"))

    def address(self, preference) -> str:
        return preference.mobile

    def send(self, message: Message, address: str) -> None:
        backend = import_string(config(self.code)["backend"])()
        backend.send(address, message.text)


CHANNELS: dict[str, Channel] = {
    c.code: c
    for c in (
        EmailChannel(),
        WeComAppChannel(),
        WeComRobotChannel(),
        DingTalkRobotChannel(),
        SmsChannel(),
    )
}


def configured_codes() -> list[str]:
    return [code for code, channel in CHANNELS.items() if channel.configured()]
