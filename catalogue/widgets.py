"""Form widgets for the catalogue."""

from django.forms import ClearableFileInput
from django.utils.translation import gettext_lazy as _


class PrivateFileInput(ClearableFileInput):
    """A file input for files in private storage, which have no URL to link to.

    Django's ``ClearableFileInput`` shows the current file as a link (``value.url``); a
    private file has no public URL, so this one names the current file instead.
    """

    template_name = "catalogue/widgets/private_file_input.html"
    initial_text = _("Current file")
    input_text = _("Replace with")

    def is_initial(self, value):
        return bool(value and getattr(value, "name", None))
