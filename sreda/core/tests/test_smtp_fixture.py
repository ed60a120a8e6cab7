from django.core.mail import send_mail

def test_mail_reaches_the_local_smtp_server(smtp_server):
    send_mail("Проверка", "Текст письма", None, ["a@example.org"])
    msgs = smtp_server.wait_for(1)
    assert msgs[0]["Subject"] == "Проверка"
    assert "Текст письма" in msgs[0].get_body().get_content()
