"""Issue 31: every signed waiver's sealed PDF, attached to the signer's copy (made when
the outbox builds that email, never in the waiver's POST), kept in the documents
bucket (moto's S3, in-process) and named on the record, and downloaded by the
captain from the waiver record and the manifest."""

from __future__ import annotations

import email.policy
import hashlib
from collections.abc import Callable, Iterator
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import boto3
import pytest
from moto import mock_aws
from moto.core.models import DEFAULT_ACCOUNT_ID
from moto.ses.models import ses_backends
from starlette.testclient import TestClient

from server.app import create_app
from server.documents.copies import waiver_copy
from server.domain.clock import utc_now_iso
from server.notify.outbox import Notifier
from server.store import Store
from server.store.documents import FolderDocuments, waiver_key
from tests.conftest import add_event, sign_in
from tests.fake_gmail import FakeGmail
from tests.helpers.flows import gmail_env
from tests.helpers.flows import sign as sign_waiver
from tests.helpers.sealing import certificate, signing_env, validate

BUCKET = "scc-test-documents"
REGION = "us-east-1"


@pytest.fixture
def bucket() -> Iterator[str]:
    with mock_aws():
        s3 = boto3.client("s3", region_name=REGION)
        s3.create_bucket(Bucket=BUCKET)
        s3.put_bucket_versioning(Bucket=BUCKET, VersioningConfiguration={"Status": "Enabled"})
        yield BUCKET


def kept(key: str) -> bytes:
    s3 = boto3.client("s3", region_name=REGION)
    return bytes(s3.get_object(Bucket=BUCKET, Key=key)["Body"].read())


def kept_keys() -> list[str]:
    s3 = boto3.client("s3", region_name=REGION)
    return [o["Key"] for o in s3.list_objects_v2(Bucket=BUCKET).get("Contents", [])]


@pytest.fixture
def sealing_store(store_with: Callable[..., Store], gmail: FakeGmail, bucket: str) -> Store:
    return store_with(
        **gmail_env(gmail), **signing_env(), SCC_DOCUMENTS_BUCKET=bucket, AWS_REGION=REGION
    )


@pytest.fixture
def sealing_client(sealing_store: Store) -> Iterator[TestClient]:
    app = create_app(sealing_store.settings, sealing_store)
    with TestClient(app, base_url="https://crew.charter.example") as client:
        yield client


def strict(raw: bytes) -> EmailMessage:
    message = BytesParser(policy=email.policy.strict).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    return message


def attachment(message: EmailMessage) -> tuple[str, bytes]:
    [part] = list(message.iter_attachments())
    assert part.get_content_type() == "application/pdf"
    payload = part.get_content()
    assert isinstance(payload, bytes)
    return str(part.get_filename()), payload


def test_the_signers_copy_carries_the_sealed_pdf_and_it_validates(
    sealing_client: TestClient, sealing_store: Store, gmail: FakeGmail
) -> None:
    event = add_event(sealing_store)
    assert sign_waiver(sealing_client, event["event_id"]).status_code == 303
    [raw] = gmail.raw
    message = strict(raw)  # the whole message, attachment and all, is strict RFC 5322
    assert message.get_content_type() == "multipart/mixed"
    assert message.get_body(("plain",)) is not None  # the text and HTML parts are kept
    waiver = sealing_store.waivers.for_event(event["event_id"])[0]
    name, pdf = attachment(message)
    assert name == f"waiver-{waiver['waiver_id'][:8].upper()}.pdf"
    seal = validate(pdf)
    assert seal.intact and seal.trusted and seal.bottom_line and seal.coverage == "ENTIRE_FILE"
    assert seal.signer.dump() == certificate().dump()
    # Its SHA-256 is on the record, and the bytes are kept under the key naming it.
    digest = hashlib.sha256(pdf).hexdigest()
    assert waiver["pdf_sha256"] == digest
    assert kept(waiver_key(waiver["waiver_id"], digest)) == pdf
    assert kept_keys() == [waiver_key(waiver["waiver_id"], digest)]


def test_a_resent_copy_attaches_the_kept_pdf_not_a_new_one(
    sealing_client: TestClient, sealing_store: Store, gmail: FakeGmail
) -> None:
    event = add_event(sealing_store)
    sign_waiver(sealing_client, event["event_id"])
    waiver = sealing_store.waivers.for_event(event["event_id"])[0]
    notifier = Notifier(sealing_store, None)
    notice = sealing_store.outbox.get(f"waiver:{waiver['waiver_id']}")
    assert notice is not None
    again = notifier.compose(notice)
    assert attachment(again)[1] == attachment(strict(gmail.raw[0]))[1]
    assert len(kept_keys()) == 1


def test_the_waiver_post_makes_no_pdf_and_the_captain_downloads_it_from_record_and_manifest(
    store_with: Callable[..., Store], bucket: str
) -> None:
    # No mailer: the signer's copy waits, owed, so no PDF is made for it yet; the
    # captain's first download makes it (off the patron's request too).
    store = store_with(**signing_env(), SCC_DOCUMENTS_BUCKET=bucket, AWS_REGION=REGION)
    event = add_event(store)
    with TestClient(create_app(store.settings, store)) as client:
        assert sign_waiver(client, event["event_id"]).status_code == 303
        waiver = store.waivers.for_event(event["event_id"])[0]
        assert "pdf_sha256" not in waiver and kept_keys() == []
        sign_in(client, store, role="captain")
        download = f"/admin/events/{event['event_id']}/waivers/{waiver['waiver_id']}/pdf"
        record = client.get(f"/admin/events/{event['event_id']}/waivers/{waiver['waiver_id']}")
        manifest = client.get(f"/dispatch/events/{event['event_id']}/manifest")
        assert f'href="{download}"' in record.text and f'href="{download}"' in manifest.text
        first = client.get(download)
        second = client.get(download)
    assert first.status_code == 200 and first.headers["content-type"] == "application/pdf"
    reference = waiver["waiver_id"][:8].upper()
    assert first.headers["content-disposition"] == f'attachment; filename="waiver-{reference}.pdf"'
    assert first.headers["cache-control"] == "no-store"
    assert second.content == first.content  # made once, then the kept one
    assert validate(first.content).bottom_line
    stored = store.waivers.get(event["event_id"], waiver["waiver_id"])
    assert stored is not None
    assert stored["pdf_sha256"] == hashlib.sha256(first.content).hexdigest()
    today = utc_now_iso()[:10]
    actions = [row["action"] for row in store.audit.on_day(today)]
    assert actions.count("waiver.downloaded") == 2


def test_crew_may_not_download_and_a_patron_is_sent_to_sign_in(
    store_with: Callable[..., Store], bucket: str
) -> None:
    store = store_with(**signing_env(), SCC_DOCUMENTS_BUCKET=bucket, AWS_REGION=REGION)
    event = add_event(store)
    with TestClient(create_app(store.settings, store)) as client:
        sign_waiver(client, event["event_id"])
        waiver = store.waivers.for_event(event["event_id"])[0]
        download = f"/admin/events/{event['event_id']}/waivers/{waiver['waiver_id']}/pdf"
        assert client.get(download, follow_redirects=False).status_code == 303  # to /login
        sign_in(client, store, role="crew")
        assert client.get(download).status_code == 403
        manifest = client.get(f"/dispatch/events/{event['event_id']}/manifest").text
        assert "/pdf" not in manifest
    assert kept_keys() == []


def test_without_a_signing_key_the_copy_goes_without_a_pdf(
    mail_client: TestClient, mail_store: Store, gmail: FakeGmail
) -> None:
    event = add_event(mail_store)
    sign_waiver(mail_client, event["event_id"])
    message = strict(gmail.raw[0])
    assert list(message.iter_attachments()) == []
    waiver = mail_store.waivers.for_event(event["event_id"])[0]
    assert "pdf_sha256" not in waiver
    sign_in(mail_client, mail_store, role="captain")
    path = f"/admin/events/{event['event_id']}/waivers/{waiver['waiver_id']}/pdf"
    response = mail_client.get(path)
    assert response.status_code == 404 and "SCC_SIGNING_KEY" in response.text


def test_the_first_pdf_named_wins_and_a_late_maker_hands_out_that_one(
    store_with: Callable[..., Store], bucket: str
) -> None:
    store = store_with(**signing_env(), SCC_DOCUMENTS_BUCKET=bucket, AWS_REGION=REGION)
    event = add_event(store)
    with TestClient(create_app(store.settings, store)) as client:
        sign_waiver(client, event["event_id"])
    stale = store.waivers.for_event(event["event_id"])[0]  # read before either maker
    first = waiver_copy(store, event, stale)
    assert first is not None
    late = waiver_copy(store, event, stale)  # its own PDF loses the conditional write
    assert late == first
    stored = store.waivers.get(event["event_id"], stale["waiver_id"])
    assert stored is not None and stored["pdf_sha256"] == hashlib.sha256(first).hexdigest()


def test_a_named_pdf_that_is_not_kept_is_an_error_not_a_new_seal(
    store_with: Callable[..., Store], bucket: str
) -> None:
    store = store_with(**signing_env(), SCC_DOCUMENTS_BUCKET=bucket, AWS_REGION=REGION)
    event = add_event(store)
    with TestClient(create_app(store.settings, store)) as client:
        sign_waiver(client, event["event_id"])
    waiver = store.waivers.for_event(event["event_id"])[0]
    store.waivers.set_pdf(event["event_id"], waiver["waiver_id"], "0" * 64, "2030-01-01T00:00Z")
    with pytest.raises(LookupError, match="not where it is kept"):
        waiver_copy(store, event, store.waivers.get(event["event_id"], waiver["waiver_id"]) or {})


def test_the_local_folder_keeps_documents_inside_itself(tmp_path: Path) -> None:
    folder = FolderDocuments(tmp_path / "documents")
    assert folder.get("waivers/a/b.pdf") is None
    folder.put("waivers/a/b.pdf", b"%PDF-1.4 x")
    assert folder.get("waivers/a/b.pdf") == b"%PDF-1.4 x"
    assert [p.name for p in (tmp_path / "documents" / "waivers" / "a").iterdir()] == ["b.pdf"]
    with pytest.raises(ValueError):
        folder.put("../outside.pdf", b"x")


def test_the_ses_mailer_carries_the_attachment_too(
    store_with: Callable[..., Store], bucket: str
) -> None:
    boto3.client("sesv2", region_name=REGION).create_email_identity(EmailIdentity="scc.example")
    store = store_with(
        **signing_env(),
        SCC_DOCUMENTS_BUCKET=bucket,
        AWS_REGION=REGION,
        SCC_MAILER="ses",
        SCC_SES_FROM="bookings@scc.example",
        SCC_SES_RECIPIENT="office@scc.example",
    )
    event = add_event(store)
    with TestClient(create_app(store.settings, store)) as client:
        assert sign_waiver(client, event["event_id"]).status_code == 303
    [sent] = ses_backends[DEFAULT_ACCOUNT_ID][REGION].sent_messages
    message = strict(sent.raw_data.encode())
    _, pdf = attachment(message)
    assert validate(pdf).bottom_line
    waiver = store.waivers.for_event(event["event_id"])[0]
    assert waiver["pdf_sha256"] == hashlib.sha256(pdf).hexdigest()
