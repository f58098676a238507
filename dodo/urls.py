from django.urls import path

from . import views

app_name = "dodo"

urlpatterns = [
    path("checkout/return/", views.checkout_return, name="checkout_return"),
    path("checkout/<int:product_id>/", views.checkout, name="checkout"),
    path("dodo/webhook/", views.webhook, name="webhook"),
]
