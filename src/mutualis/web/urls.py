from mutualis.web.views import accounts, bids, buyer, home, portal

app_name = "web"
urlpatterns = [
    *home.urlpatterns,
    *accounts.urlpatterns,
    *portal.urlpatterns,
    *buyer.urlpatterns,
    *bids.urlpatterns,
]
