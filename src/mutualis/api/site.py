"""The whole API at /api/v1/: the public part, and the buyers' and bidders' parts."""

from mutualis.api import buyer, deposits
from mutualis.api.views import api

api.add_router("/buyer", buyer.router)
api.add_router("/deposits", deposits.router)
