"""The first version of the privacy information ("Informationspflichten", manual ch. 2).

Operators publish later versions in the admin; registration always asks for the newest one.
"""

from django.db import migrations

TEXT_DE = """Informationen zur Verarbeitung Ihrer personenbezogenen Daten nach Art. 13 DSGVO

1. Verantwortlicher
Verantwortlich für die Verarbeitung ist der Betreiber dieses Portals; Name und Anschrift finden Sie im Impressum.

2. Zwecke und Rechtsgrundlagen
Wir verarbeiten Ihre Anrede, Ihren Vor- und Nachnamen, Ihre E-Mail-Adresse und Ihr Passwort (nur als nicht umkehrbarer Hashwert), um Ihr persönliches Nutzerkonto zu führen, Sie anzumelden und Ihnen den Zugang zu den angebundenen Fachanwendungen Ihrer Kammer zu ermöglichen (Art. 6 Abs. 1 lit. b und e DSGVO).
Zu Ihrer Sicherheit und zur Abwehr von Missbrauch speichern wir zu sicherheitsrelevanten Ereignissen (z. B. Anmeldung, fehlgeschlagene Anmeldung, Passwortänderung) Zeitpunkt, IP-Adresse und Browserkennung (Art. 6 Abs. 1 lit. e und f DSGVO). Sie sehen diese Ereignisse in Ihrem Konto.

3. Empfänger
Wenn Sie sich bei einer angebundenen Fachanwendung anmelden, erhält diese Ihren Namen, Ihre E-Mail-Adresse sowie Ihre Unternehmen und Rollen für diese Anwendung. Ihre Kammer sieht die Daten, die für die Prüfung einer Unternehmensregistrierung nötig sind.

4. Speicherdauer
Ihre Daten werden gespeichert, solange Ihr Konto besteht. Wenn Sie Ihr Konto löschen, werden Name und E-Mail-Adresse sofort gelöscht; Protokolleinträge bleiben nur pseudonym erhalten. Versandte E-Mails werden nach 30 Tagen aus dem Postausgang entfernt.

5. Ihre Rechte
Sie haben das Recht auf Auskunft, Berichtigung, Löschung, Einschränkung der Verarbeitung, Datenübertragbarkeit und Widerspruch sowie das Recht auf Beschwerde bei einer Datenschutzaufsichtsbehörde. Ihre Daten können Sie jederzeit selbst unter „Daten ändern" berichtigen und Ihr Konto unter „Konto löschen" löschen.

6. Cookies
Wir setzen nur technisch notwendige Cookies: für Ihre Anmeldung, zum Schutz von Formularen und für Ihre Sprachwahl. Es findet kein Tracking statt."""

TEXT_EN = """Information on the processing of your personal data under Art. 13 GDPR

1. Controller
The operator of this portal is responsible for the processing; you find its name and address in the imprint.

2. Purposes and legal bases
We process your salutation, first and last name, e-mail address and password (only as a hash that cannot be reversed) to keep your personal account, to log you in and to give you access to the applications of your chamber connected to this portal (Art. 6(1)(b) and (e) GDPR).
For your security and to prevent misuse we store the time, IP address and browser of security events (for example logins, failed logins, password changes) (Art. 6(1)(e) and (f) GDPR). You see these events in your account.

3. Recipients
When you log in to a connected application, it receives your name, your e-mail address and your companies and roles for that application. Your chamber sees the data it needs to review a company registration.

4. Storage period
Your data is kept as long as your account exists. When you delete your account, your name and e-mail address are erased at once; log entries are kept only in pseudonymous form. Sent e-mails are removed from the outbox after 30 days.

5. Your rights
You have the right of access, rectification, erasure, restriction of processing, data portability and objection, and the right to lodge a complaint with a data protection authority. You can correct your data yourself at any time under "Change data" and delete your account under "Delete account".

6. Cookies
We only set cookies that are technically necessary: for your login, to protect forms and for your choice of language. There is no tracking."""


def create_notice(apps, schema_editor):
    PrivacyNotice = apps.get_model("accounts", "PrivacyNotice")
    PrivacyNotice.objects.get_or_create(
        version="1.0", defaults={"text_de": TEXT_DE, "text_en": TEXT_EN}
    )


def remove_notice(apps, schema_editor):
    apps.get_model("accounts", "PrivacyNotice").objects.filter(
        version="1.0", consents__isnull=True
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0001_initial")]

    operations = [migrations.RunPython(create_notice, remove_notice)]
