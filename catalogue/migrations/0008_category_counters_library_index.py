"""Category counters (filled from the product rows) and the customer library's index."""

from django.db import migrations, models
from django.db.models import Count, Q


def count_live_products(apps, schema_editor):
    ProductCategory = apps.get_model("catalogue", "ProductCategory")
    counted = ProductCategory.objects.annotate(live=Count("products", filter=Q(products__live=True)))
    for category in counted:
        ProductCategory.objects.filter(pk=category.pk).update(live_product_count=category.live)


class Migration(migrations.Migration):
    dependencies = [
        ("catalogue", "0007_task_worker"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="order",
            name="catalogue_order_customer",
        ),
        migrations.AddIndex(
            model_name="order",
            index=models.Index(fields=["customer", "status", "paid_at"], name="catalogue_order_customer_paid"),
        ),
        migrations.AddField(
            model_name="productcategory",
            name="live_product_count",
            field=models.PositiveIntegerField(
                default=0,
                editable=False,
                help_text=(
                    "How many live products this category holds; recounted from the product rows whenever one "
                    "is published, unpublished, deleted or moved to another category (manage.py recount_categories)."
                ),
                verbose_name="live products",
            ),
        ),
        migrations.RunPython(count_live_products, migrations.RunPython.noop),
    ]
