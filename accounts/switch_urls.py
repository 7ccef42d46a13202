from django.urls import path

from . import switch_views

app_name = "switch"

urlpatterns = [
    path("", switch_views.index, name="index"),
    path("add/", switch_views.add, name="add"),
    path("add/verify/", switch_views.verify, name="verify"),
    path("add/provider/", switch_views.add_with_provider, name="add_with_provider"),
    path("sign-out/", switch_views.sign_out, name="sign_out"),
    path("sign-out-all/", switch_views.sign_out_all, name="sign_out_all"),
    path("revoke/<uuid:pk>/", switch_views.revoke, name="revoke"),
]
