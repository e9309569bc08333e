"""The endpoint with verification on: only correctly signed, fresh requests for our skill get through."""
from __future__ import annotations

import logging
from dataclasses import replace

import pytest

from app import create_app
from skill.alexa.settings import Settings
from tests.certs_factory import TEST_SKILL_ID, encode_envelope, make_envelope, signed_request


@pytest.fixture
def signed_app(tmp_path):
    def factory(signed):
        settings = Settings(skill_id=TEST_SKILL_ID, verify_signatures=True, data_dir=tmp_path)
        return create_app(settings, verifier=signed.verifier())
    return factory


def post(app, body: bytes, headers: dict[str, str]):
    return app.test_client().post("/alexa", data=body, headers=headers, content_type="application/json")


def test_a_signed_launch_is_answered(signed_app):
    body = encode_envelope(make_envelope())
    signed = signed_request(body)
    result = post(signed_app(signed), body, signed.headers)
    assert result.status_code == 200
    assert "Relationship Recharge" in result.get_json()["response"]["outputSpeech"]["ssml"]


@pytest.mark.parametrize("change, reason", [
    (lambda body, headers: (body, {k: v for k, v in headers.items() if k != "Signature-256"}), "signature_missing"),
    (lambda body, headers: (body + b" ", headers), "signature_invalid"),
    (lambda body, headers: (body, {**headers, "SignatureCertChainUrl": "http://s3.amazonaws.com/echo.api/x.pem"}), "cert_url_scheme"),
    (lambda body, headers: (body, {**headers, "Signature-256": ""}), "signature_missing"),
], ids=["no-signature", "tampered-body", "http-cert-url", "empty-signature"])
def test_bad_signatures_are_a_plain_400_with_the_reason_in_the_log(signed_app, caplog, change, reason):
    body = encode_envelope(make_envelope())
    signed = signed_request(body)
    app = signed_app(signed)
    new_body, headers = change(body, signed.headers)
    with caplog.at_level(logging.WARNING):
        result = post(app, new_body, headers)
    assert result.status_code == 400
    assert result.get_json() == {"error": "bad_request"}
    assert reason in caplog.text
    assert "amzn1.ask.account" not in caplog.text


def test_a_request_for_another_skill_is_refused_without_saying_why(signed_app, caplog):
    body = encode_envelope(make_envelope(skill_id="amzn1.ask.skill.99999999-9999-4999-8999-999999999999"))
    signed = signed_request(body)
    with caplog.at_level(logging.WARNING):
        result = post(signed_app(signed), body, signed.headers)
    assert result.status_code == 400
    assert result.get_json() == {"error": "bad_request"}
    assert "application_id" not in result.get_data(as_text=True)
    assert "application_id_mismatch" in caplog.text


def test_verification_is_on_by_default_and_needs_a_skill_id():
    from skill.alexa.settings import SettingsError, load_settings
    assert Settings().verify_signatures is True
    with pytest.raises(SettingsError, match="RECHARGE_SKILL_ID"):
        load_settings({})


def test_turning_verification_off_is_loud(tmp_path, caplog):
    settings = Settings(skill_id=None, verify_signatures=False, data_dir=tmp_path)
    with caplog.at_level(logging.WARNING):
        create_app(settings)
    assert "VERIFICATION IS OFF" in caplog.text


def test_default_app_builds_a_real_verifier(tmp_path, caplog):
    settings = replace(Settings(skill_id=TEST_SKILL_ID), data_dir=tmp_path)
    app = create_app(settings)
    body = encode_envelope(make_envelope())
    with caplog.at_level(logging.WARNING):
        result = post(app, body, {})
    assert result.status_code == 400
    assert result.get_json() == {"error": "bad_request"}
    assert "cert_url_missing" in caplog.text
