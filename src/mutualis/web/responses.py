from django.http import HttpResponse


def pdf_attachment(pdf, filename):
    """A PDF the browser saves as `filename`, kept out of every cache."""
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response
