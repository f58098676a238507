from django.urls import path

from . import seller_views, views

app_name = "dodo"

urlpatterns = [
    path("checkout/return/", views.checkout_return, name="checkout_return"),
    path("checkout/<int:product_id>/", views.checkout, name="checkout"),
    path("dodo/webhook/", views.webhook, name="webhook"),
    # A seller refunding a buyer: under the seller portal's /seller/orders/<pk>/, but
    # here because it asks Dodo (the portal's own URLs never reach Dodo).
    path("seller/orders/<int:pk>/refund/", seller_views.refund, name="seller_refund"),
    # A buyer's invoice: under the customer portal's /account/orders/, but here because
    # it is fetched from Dodo.
    path("account/orders/<int:pk>/invoice/", views.invoice, name="order_invoice"),
]
