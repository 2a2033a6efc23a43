"""Questions on a consultation: businesses ask, the buyer's staff answer."""

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mutualis.questions import access, actions
from mutualis.tenders import access as tenders_access
from mutualis.web.views.buyer import apply_errors


class AskForm(forms.Form):
    business = forms.ModelChoiceField(
        label=gettext_lazy("Asked for the business"), queryset=None
    )
    text = forms.CharField(
        label=gettext_lazy("Your question"),
        widget=forms.Textarea(attrs={"rows": 6}),
        max_length=actions.MAX_LENGTH,
        help_text=gettext_lazy(
            "The buyer publishes its answer to everyone, without your name or your "
            "business."
        ),
    )

    def __init__(self, *args, businesses, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["business"].queryset = businesses
        if businesses.count() == 1:
            self.fields["business"].initial = businesses.first()
            self.fields["business"].widget = forms.HiddenInput()


class AnswerForm(forms.Form):
    questions = forms.ModelMultipleChoiceField(
        label=gettext_lazy("Questions answered"),
        queryset=None,
        widget=forms.CheckboxSelectMultiple,
        help_text=gettext_lazy("Choose several similar questions to answer them once."),
    )
    question_text = forms.CharField(
        label=gettext_lazy("Question as published"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=actions.MAX_LENGTH,
        help_text=gettext_lazy(
            "Optional for a single question, which is then published as asked; "
            "reword it to leave out anything that tells who asked."
        ),
    )
    text = forms.CharField(
        label=gettext_lazy("Answer"),
        widget=forms.Textarea(attrs={"rows": 8}),
        max_length=actions.MAX_LENGTH,
    )

    def __init__(self, *args, pending, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["questions"].queryset = pending
        self.fields["questions"].label_from_instance = question_label


def question_label(question):
    return _("Question %(number)s") % {"number": question.pk}


@login_required
def ask(request, pk):
    consultation = tenders_access.consultation_for(request.user, pk)
    refusal = access.ask_refusal(request.user, consultation)
    form = None
    if refusal is None:
        businesses = access.asking_businesses(request.user)
        form = AskForm(request.POST or None, businesses=businesses)
        if request.method == "POST" and form.is_valid():
            try:
                actions.ask(
                    request.user,
                    form.cleaned_data["business"],
                    consultation,
                    form.cleaned_data["text"],
                )
            except PermissionDenied as error:
                refusal = str(error)
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(
                    request,
                    _(
                        "Your question is sent to the buyer; its answer will be "
                        "published on the consultation page."
                    ),
                )
                return redirect("web:question-ask", consultation.pk)
    context = {
        "c": consultation,
        "form": form if refusal is None else None,
        "refusal": refusal,
        "deadline": access.questions_deadline(consultation),
        "own": access.own_questions(request.user, consultation),
    }
    status = 200
    if request.method == "POST" and (refusal or (form and form.errors)):
        status = 403 if refusal else 400
    return render(request, "web/questions/ask.html", context, status=status)


@login_required
def manage(request, pk):
    consultation = tenders_access.consultation_for(request.user, pk)
    access.require(request.user, consultation, "see_questions")
    can_answer = access.can_answer(request.user, consultation)
    pending = consultation.questions.filter(answer__isnull=True)
    form = AnswerForm(request.POST or None, pending=pending)
    if request.method == "POST":
        access.require(request.user, consultation, "answer")
        if form.is_valid():
            try:
                actions.answer(
                    request.user,
                    consultation,
                    form.cleaned_data["questions"],
                    form.cleaned_data["text"],
                    form.cleaned_data["question_text"],
                )
            except ValidationError as error:
                apply_errors(form, error)
            else:
                messages.success(request, _("The answer is published."))
                return redirect("web:questions-manage", consultation.pk)
    questions = consultation.questions.select_related("asked_by", "business")
    context = {
        "c": consultation,
        "form": form if can_answer else None,
        "pending": [q for q in questions if not q.is_answered],
        "answers": consultation.answers.prefetch_related(
            "questions__asked_by", "questions__business"
        ),
    }
    status = 400 if form.errors else 200
    return render(request, "web/questions/manage.html", context, status=status)


urlpatterns = [
    path("consultations/<int:pk>/questions/", ask, name="question-ask"),
    path(
        "buyer/consultations/<int:pk>/questions/",
        manage,
        name="questions-manage",
    ),
]
