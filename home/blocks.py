"""StreamField blocks an editor composes the home page from."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks


class HeroBlock(blocks.StructBlock):
    """The big opening banner: a headline, a line of text and one call to action."""

    heading = blocks.CharBlock(max_length=120, help_text=_("The headline, one short line."))
    text = blocks.TextBlock(required=False, max_length=300)
    button_text = blocks.CharBlock(required=False, max_length=40)
    button_link = blocks.CharBlock(
        required=False, max_length=200, help_text=_("A path on this site, e.g. /catalogue/.")
    )

    class Meta:
        icon = "pick"
        template = "blocks/hero_block.html"


class CallToActionBlock(blocks.StructBlock):
    """A band inviting the reader somewhere (for example, to start selling)."""

    heading = blocks.CharBlock(max_length=120)
    text = blocks.TextBlock(required=False, max_length=300)
    button_text = blocks.CharBlock(max_length=40)
    button_link = blocks.CharBlock(max_length=200)

    class Meta:
        icon = "link"
        template = "blocks/call_to_action_block.html"


class HomeStreamBlock(blocks.StreamBlock):
    hero = HeroBlock()
    rich_text = blocks.RichTextBlock(
        features=["h2", "h3", "bold", "italic", "link", "ol", "ul"], template="blocks/rich_text_block.html"
    )
    call_to_action = CallToActionBlock()
