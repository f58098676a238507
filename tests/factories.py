"""Factories for the test suite (wagtail-factories for pages)."""

import factory
import wagtail_factories
from django.contrib.auth import get_user_model

from catalogue.models import CatalogueIndexPage
from home.models import HomePage

TEST_PASSWORD = "correct-horse-battery-staple"


class UserFactory(factory.django.DjangoModelFactory):
    """An active user with no role; use the traits or the role factories below."""

    class Meta:
        model = get_user_model()
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"user{n}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    is_active = True

    @factory.post_generation
    def password(self, create, extracted, **kwargs):
        self.set_password(extracted or TEST_PASSWORD)
        if create:
            self.save(update_fields=["password"])


class CustomerFactory(UserFactory):
    is_customer = True


class SellerFactory(UserFactory):
    # Sellers may also buy (sign-up as seller sets both flags).
    is_seller = True
    is_customer = True


class StaffFactory(UserFactory):
    is_staff = True
    is_superuser = True


class HomePageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = HomePage

    title = "Home"
    slug = "home"


class CatalogueIndexPageFactory(wagtail_factories.PageFactory):
    class Meta:
        model = CatalogueIndexPage

    title = "Catalogue"
    slug = "catalogue"
