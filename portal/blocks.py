"""StreamField blocks shared by the portal's pages."""

from django.utils.translation import gettext_lazy as _
from wagtail import blocks


class LinkCardBlock(blocks.StructBlock):
    title = blocks.CharBlock(label=_("标题"), max_length=40)
    text = blocks.TextBlock(label=_("说明"), required=False, max_length=200)
    url = blocks.CharBlock(label=_("链接地址"), max_length=200)

    class Meta:
        icon = "link"
        label = _("入口卡片")
        template = "portal/blocks/link_card.html"


class HomeBodyBlock(blocks.StreamBlock):
    heading = blocks.CharBlock(label=_("小标题"), form_classname="title", template="portal/blocks/heading.html")
    paragraph = blocks.RichTextBlock(label=_("正文"), features=["bold", "italic", "link", "ol", "ul"])
    cards = blocks.ListBlock(LinkCardBlock(), label=_("入口卡片组"), template="portal/blocks/card_list.html")
