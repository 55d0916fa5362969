from django.core.mail import EmailMessage


def test_mail_goes_through_a_real_smtp_server(smtp_server):
    EmailMessage("Betreff: Prüfung", "Grüße aus dem Test", "opencxm@localhost", ["ziel@example.com"]).send()
    assert len(smtp_server.messages) == 1
    envelope = smtp_server.messages[0]
    assert envelope.rcpt_tos == ["ziel@example.com"]
    assert b"Gr=C3=BC=C3=9Fe" in envelope.content or "Grüße".encode() in envelope.content
