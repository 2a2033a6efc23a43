from mutualis.web.views import (
    accounts,
    alerts,
    amendments,
    api_deposits,
    backups,
    bids,
    buyer,
    home,
    portal,
    questions,
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
    *questions.urlpatterns,
    *amendments.urlpatterns,
    *vault.urlpatterns,
]
