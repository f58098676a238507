from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("register/", views.RegisterView.as_view(), name="register"),
    path("register/done/", views.RegisterDoneView.as_view(), name="register_done"),
    path("activate/<uidb64>/<token>/", views.ActivateView.as_view(), name="activate"),
    path("activation/resend/", views.ResendActivationView.as_view(), name="resend_activation"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.LogoutView.as_view(), name="logout"),
    path("password/change/", views.PasswordChangeView.as_view(), name="password_change"),
    path("password/reset/", views.PasswordResetView.as_view(), name="password_reset"),
    path("password/reset/done/", views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("reset/done/", views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("email/confirm/<str:token>/", views.EmailChangeConfirmView.as_view(), name="email_change_confirm"),
    path("sign-in/link/", views.SignInLinkRequestView.as_view(), name="sign_in_link_request"),
    path("sign-in/<uidb64>/<token>/", views.SignInLinkView.as_view(), name="sign_in_link"),
    path("password/set/", views.SetPasswordView.as_view(), name="password_set"),
]
