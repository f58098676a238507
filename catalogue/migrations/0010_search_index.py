"""The storefront search's index (catalogue.search), filled from the live products."""

from collections import Counter, defaultdict

import django.db.models.deletion
from django.db import migrations, models

BATCH = 500


def fill_search_index(apps, schema_editor):
    # Pure text functions only: the models here are the historical ones.
    from catalogue.search.indexing import document_terms, product_texts

    ProductPage = apps.get_model("catalogue", "ProductPage")
    ProductSearchTerm = apps.get_model("catalogue", "ProductSearchTerm")
    SearchWord = apps.get_model("catalogue", "SearchWord")
    live = ProductPage.objects.filter(live=True).select_related("seller", "category").order_by("pk")
    ids = list(live.values_list("pk", flat=True))
    forms, products = defaultdict(Counter), Counter()
    for start in range(0, len(ids), BATCH):
        rows = []
        for product in live.filter(pk__in=ids[start : start + BATCH]):
            seller = product.seller
            full_name = f"{seller.first_name} {seller.last_name}".strip()
            texts = product_texts(
                title=product.title,
                summary=product.summary,
                body=product.body,
                category_name=product.category.name,
                seller_name=full_name or seller.email.split("@", 1)[0],
            )
            for stem, weight in document_terms(texts, forms).items():
                rows.append(
                    ProductSearchTerm(product_id=product.pk, stem=stem, category_id=product.category_id, weight=weight)
                )
                products[stem] += 1
        ProductSearchTerm.objects.bulk_create(rows, batch_size=2000)
    SearchWord.objects.bulk_create(
        [
            SearchWord(stem=stem, word=forms[stem].most_common(1)[0][0], products=count)
            for stem, count in products.items()
        ],
        batch_size=2000,
    )


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0009_seller_product_list_index"),
    ]

    operations = [
        migrations.CreateModel(
            name="SearchWord",
            fields=[
                ("stem", models.CharField(max_length=40, primary_key=True, serialize=False)),
                (
                    "word",
                    models.CharField(help_text="The stem as written, e.g. “templates”.", max_length=40, unique=True),
                ),
                (
                    "products",
                    models.PositiveIntegerField(default=0, help_text="How many live products contain the stem."),
                ),
            ],
            options={
                "verbose_name": "search word",
                "verbose_name_plural": "search words",
            },
        ),
        migrations.CreateModel(
            name="ProductSearchTerm",
            fields=[
                (
                    "pk",
                    models.CompositePrimaryKey(
                        "product_id", "stem", blank=True, editable=False, primary_key=True, serialize=False
                    ),
                ),
                ("stem", models.CharField(help_text="A Snowball English stem, e.g. “templat”.", max_length=40)),
                ("weight", models.PositiveIntegerField(help_text="Summed field weights of the stem in this product.")),
                (
                    "category",
                    models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        related_name="+",
                        to="catalogue.productcategory",
                    ),
                ),
                (
                    "product",
                    models.ForeignKey(
                        db_index=False,
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="catalogue.productpage",
                    ),
                ),
            ],
            options={
                "verbose_name": "product search term",
                "verbose_name_plural": "product search terms",
                "indexes": [
                    models.Index(fields=["stem", "-weight", "-product"], name="catalogue_term_rank"),
                    models.Index(
                        fields=["stem", "category", "-weight", "-product"], name="catalogue_term_category_rank"
                    ),
                ],
            },
        ),
        migrations.RunPython(fill_search_index, migrations.RunPython.noop),
    ]
