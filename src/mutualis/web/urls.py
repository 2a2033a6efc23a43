from mutualis.web.views import (
    accounts,
    alerts,
    api_deposits,
    backups,
    bids,
    buyer,
    home,
    portal,
    sealing,
    signatures,
    trust,
    vault,
)

app_name = "web"
urlpatterns = [
    *home.urlpatterns,
    *accounts.urlpatterns,
    *portal.urlpatterns,
    *buyer.urlpatterns,
    *bids.urlpatterns,
    *backups.urlpatterns,
    *sealing.urlpatterns,
    *signatures.urlpatterns,
    *api_deposits.urlpatterns,
    *trust.urlpatterns,
    *alerts.urlpatterns,
    *vault.urlpatterns,
]
