"""Dutch and German load from i18n/nl.po and de.po: menus, field labels, selections and the messages users get."""

from odoo.exceptions import UserError, ValidationError
from odoo.tests import TransactionCase

LANGS = ("nl_NL", "de_DE")


def load_languages(env, modules):
    """Activate Dutch and German and load the addons' terms (nl_NL and de_DE read nl.po and de.po)."""
    for code in LANGS:
        env["res.lang"]._activate_lang(code)
    env["ir.module.module"]._load_module_terms(modules, list(LANGS), overwrite=True)


class TestTranslations(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        load_languages(cls.env, ["logikal_connector"])
        cls.backend = cls.env["logikal.backend"].create(
            {
                "name": "Werkplaats",
                "url": "http://127.0.0.1:9/api/v3",
                "username": "odoo-sync",
                "password_input": "s3cret-Pa55word!",
            }
        )

    def in_lang(self, record, lang):
        return record.with_context(lang=lang)

    def test_menu_names(self):
        menu = self.env.ref("logikal_connector.logikal_menu_elevations")
        self.assertEqual(self.in_lang(menu, "nl_NL").name, "Elementen")
        self.assertEqual(self.in_lang(menu, "de_DE").name, "Positionen")
        self.assertEqual(self.in_lang(menu, "en_US").name, "Elevations")

    def test_field_labels(self):
        field = self.env["ir.model.fields"]._get("logikal.elevation", "phase_id")
        self.assertEqual(self.in_lang(field, "nl_NL").field_description, "Fase")
        self.assertEqual(self.in_lang(field, "de_DE").field_description, "Bauabschnitt")
        field = self.env["ir.model.fields"]._get("logikal.elevation.bom.line", "elevation_id")
        self.assertEqual(self.in_lang(field, "de_DE").field_description, "Position")
        # the label the form shows comes from the same translation
        elevation_model = self.env["logikal.elevation"]
        label = elevation_model._fields["phase_id"]._description_string(self.in_lang(elevation_model, "de_DE").env)
        self.assertEqual(label, "Bauabschnitt")

    def test_selection_labels(self):
        config = self.env["logikal.sync.config"]
        field = config._fields["object_type"]
        labels_nl = dict(field._description_selection(self.in_lang(config, "nl_NL").env))
        labels_de = dict(field._description_selection(self.in_lang(config, "de_DE").env))
        self.assertEqual((labels_nl["elevation"], labels_nl["parts_list"]), ("Elementen", "Stuklijsten"))
        self.assertEqual((labels_de["elevation"], labels_de["parts_list"]), ("Positionen", "Stücklisten"))
        self.assertEqual(labels_de["phase"], "Bauabschnitte")

    def test_force_sync_notification(self):
        """The outcome of Force Sync, through the button's own code path, in each language."""
        expected = {
            "nl_NL": ("Synchronisatie in wachtrij", "LogiKal wordt op de achtergrond gelezen; je krijgt een melding"),
            "de_DE": ("Synchronisation eingereiht", "LogiKal wird im Hintergrund gelesen; Sie werden benachrichtigt"),
            "en_US": ("Sync queued", "LogiKal is read in the background; you will be notified"),
        }
        for lang, (title, message) in expected.items():
            with self.subTest(lang=lang):
                params = self.in_lang(self.backend, lang).action_force_sync()["params"]
                self.assertEqual(params["title"], title)
                self.assertTrue(params["message"].startswith(message), params["message"])
        requests = self.env["logikal.sync.request"].search([("backend_id", "=", self.backend.id)])
        self.assertEqual(len(requests), 1, "the three presses share the one queued request")

    def test_messages_with_placeholders(self):
        """A refusal with its name filled in, and a validation message that embeds a translated field label."""
        self.backend.active = False
        with self.assertRaises(UserError) as refused:
            self.in_lang(self.backend, "de_DE").action_force_sync()
        self.assertEqual(
            refused.exception.args[0],
            "Verbindung Werkplaats ist archiviert: sie wird nicht synchronisiert. "
            "Stellen Sie sie wieder her, um erneut zu synchronisieren.",
        )
        self.backend.active = True
        with self.assertRaises(ValidationError) as invalid:
            self.in_lang(self.backend, "nl_NL").write({"read_timeout": 0})
        self.assertEqual(
            invalid.exception.args[0], "Leestime-out (s) moet groter zijn dan 0 en hoogstens 3600 (was 0.0)."
        )
